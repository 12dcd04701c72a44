"""Files published whole: a name in the default storage never shows a partial file.

Local files are built in a temporary file in the target's folder and renamed over the name (a
rename is atomic; a killed worker leaves only a `.partial-` file); object stores (S3) make an
upload visible only once it is complete.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from django.core.files import File
from django.core.files.storage import FileSystemStorage, default_storage


def store_atomically(name: str, content: bytes) -> str:
    """Save bytes under `name` (content-derived names: an existing one is the same file)."""
    if not isinstance(default_storage, FileSystemStorage) and default_storage.exists(name):
        return name
    with building(name) as (handle, path):
        handle.write(content)
        return publish(name, handle, path)


@contextmanager
def building(name: str) -> Iterator[tuple[BinaryIO, str]]:
    """A temporary file to build `name` in, beside its final place for local storage, in the
    system's temporary folder otherwise. Gone on exit unless published."""
    folder = None
    if isinstance(default_storage, FileSystemStorage):
        folder = Path(default_storage.path(name)).parent
        folder.mkdir(parents=True, exist_ok=True)
    fd, path = tempfile.mkstemp(dir=folder, prefix=".partial-", suffix=Path(name).suffix)
    try:
        with os.fdopen(fd, "w+b") as handle:
            yield handle, path
    finally:
        Path(path).unlink(missing_ok=True)


def publish(name: str, handle: BinaryIO, path: str) -> str:
    """Put the finished temporary file at `name` (synced to disk first); the stored name."""
    handle.flush()
    os.fsync(handle.fileno())
    if isinstance(default_storage, FileSystemStorage):
        os.replace(path, default_storage.path(name))
        return name
    handle.seek(0)
    return default_storage.save(name, File(handle, name=name))
