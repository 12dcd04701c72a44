"""Settings for the benchmark server: the platform's own settings plus the reference view.

bench/run.py sets the environment (DEBUG off, PostgreSQL, a temporary ELEARN_VAR_DIR) before
this module is imported, both in its own process and in gunicorn's.
"""

from elearn.settings import *  # noqa: F403
from elearn.settings import BASE_DIR, TEMPLATES

ROOT_URLCONF = "bench.urls"

TEMPLATES = [{**TEMPLATES[0], "DIRS": [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "templates"]}]

# Only warnings and errors: a 4xx or 5xx during a run should be seen, access lines should not.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
