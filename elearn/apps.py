from pathlib import Path

from django.apps import AppConfig
from django.conf import settings


class ElearnConfig(AppConfig):
    name = "elearn"
    verbose_name = "elearn"

    def ready(self):
        # Importing settings makes no folder; SQLite needs its file's folder before it connects
        # (the embedded default lives in ELEARN_VAR_DIR, the test database beside it).
        for database in settings.DATABASES.values():
            if database["ENGINE"] == "django.db.backends.sqlite3":
                for name in (database.get("NAME"), database.get("TEST", {}).get("NAME")):
                    if name and not _in_memory(str(name)):
                        Path(name).parent.mkdir(parents=True, exist_ok=True)


def _in_memory(name: str) -> bool:
    return name == ":memory:" or "mode=memory" in name
