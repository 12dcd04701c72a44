import pytest

from tests.xapi.store_in_thread import PASSWORD, USERNAME, StoreInThread


@pytest.fixture(autouse=True)
def _media(media_on_disk):
    """Certificates issued here are written to this test's own folder."""


@pytest.fixture
def store(settings):
    """A learning record store the platform sends to (tests/xapi/store_in_thread.py)."""
    store_ = StoreInThread()
    settings.XAPI_LRS_URL = store_.url
    settings.XAPI_LRS_USERNAME, settings.XAPI_LRS_PASSWORD = USERNAME, PASSWORD
    yield store_
    store_.close()
