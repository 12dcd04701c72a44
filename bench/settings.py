"""Settings for the benchmark server: the platform's own settings plus the reference view.

bench/run.py sets the environment (DEBUG off, PostgreSQL, a temporary ELEARN_VAR_DIR) before
this module is imported, both in its own process and in gunicorn's.
"""

from elearn.settings import *  # noqa: F403
from elearn.settings import BASE_DIR, TEMPLATES, env

ROOT_URLCONF = "bench.urls"

TEMPLATES = [{**TEMPLATES[0], "DIRS": [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "templates"]}]

# Only warnings and errors: a 4xx or 5xx during a run should be seen, access lines should not.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# Celery's Django fixup closes the database connection after every task (ignoring
# CONN_MAX_AGE) unless CELERY_DB_REUSE_MAX is set. The platform sets it (CELERY_DB_REUSE_MAX,
# default 100); the bench can set another value to compare (bench/certificates.py).
if env.int("BENCH_CELERY_DB_REUSE_MAX", default=0):
    CELERY_DB_REUSE_MAX = env.int("BENCH_CELERY_DB_REUSE_MAX")
