"""A media storage that fails when a test says so: the storage boundary, for failure injection.

It is an object store (files held in memory, as a bucket holds them), selected through
settings.STORAGES as a real one is (the `faulty_storage` fixture in conftest.py), so the
certificate pipeline runs unchanged and meets the failure where a full disk or an unreachable
bucket would meet it: saving a file. Files are saved on the pipeline's files thread, so a
fault runs there too.
"""

from django.core.files.storage import InMemoryStorage


class FaultyStorage(InMemoryStorage):
    def __init__(self, **options):
        super().__init__(**options)
        self.saves: list[str] = []  # the name of every save tried, in order
        # fault(number, name), number counting from 1 the saves tried: an exception to raise
        # instead of saving, or None to save.
        self.fault = None

    def fail(self, error: Exception, *, on: set[int] | None = None) -> None:
        """Make saves raise `error` from now on: those numbered in `on` (1 is the next save),
        or every one."""
        before = len(self.saves)
        self.fault = lambda number, _name: error if on is None or number - before in on else None

    def mend(self) -> None:
        self.fault = None

    def stored(self, folder: str = "certificates") -> list[str]:
        """The names of the files saved in `folder`."""
        return sorted(self.listdir(folder)[1]) if self.exists(folder) else []

    def _save(self, name, content):
        self.saves.append(name)
        error = self.fault(len(self.saves), name) if self.fault else None
        if error is not None:
            raise error
        return super()._save(name, content)
