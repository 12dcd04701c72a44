import pytest


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Certificate files (PDFs, ZIPs, logos) go to this test's own folder, on the file system."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
