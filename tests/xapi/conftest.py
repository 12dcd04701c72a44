import pytest

from tests.xapi.stub_store import PASSWORD, USERNAME, StubStore


@pytest.fixture(autouse=True)
def _media(media_on_disk):
    """Certificates issued here are written to this test's own folder."""


@pytest.fixture
def store(settings):
    """A learning record store the platform is configured to send to (tests/xapi/stub_store.py)."""
    stub = StubStore()
    settings.XAPI_LRS_URL = stub.url
    settings.XAPI_LRS_USERNAME, settings.XAPI_LRS_PASSWORD = USERNAME, PASSWORD
    yield stub
    stub.close()
