import pytest


@pytest.fixture(autouse=True)
def _media(media_on_disk):
    """Certificate files go to this test's own folder, on the file system."""


@pytest.fixture
def faulty_storage(settings):
    """The media storage as an object store the test can make fail (tests/certificates/storage.py):
    faulty_storage.fail(OSError("disk full"), on={2}) fails the second save from now."""
    from django.core.files.storage import storages

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "tests.certificates.storage.FaultyStorage"},
    }
    return storages["default"]


@pytest.fixture
def media_root(tmp_path):
    """The media folder shared with the worker processes this test starts."""
    folder = tmp_path / "media"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture
def start_worker(own_queue, media_root, tmp_path):
    """start_worker(fault="none", pool="solo", beat=False): a `celery worker` process on this
    test's database, queue and media folder (tests/certificates/processes.py), killed with its
    children in teardown."""
    from tests.certificates.processes import kill, start_worker_process

    started = []

    def start(fault="none", *, pool="solo", beat=False):
        process = start_worker_process(
            len(started),
            fault=fault,
            queue=own_queue,
            media_root=media_root,
            folder=tmp_path,
            pool=pool,
            beat=beat,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        kill(process)
