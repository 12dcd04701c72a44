"""Settings for elearn: one module, driven by environment variables.

Every variable is documented in README.md and .env.example. The defaults are embedded and safe:
SQLite in var/, local media, console email and a Celery broker on the filesystem, so that a
newcomer needs no server. DEBUG is off unless asked for; with DEBUG off, SECRET_KEY and
ALLOWED_HOSTS must be given.
"""

import os
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if env.bool("ELEARN_READ_DOTENV", default=True) and (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)

# Runtime files of the embedded defaults (SQLite database, broker folders, media). Importing
# settings creates no folder: each is made where it is first written (the SQLite folder when
# the app starts, elearn.apps; the broker's by the broker, elearn.broker; the beat schedule's
# by the scheduler, elearn.celery; media by the storage).
VAR_DIR = Path(env.str("ELEARN_VAR_DIR", default=str(BASE_DIR / "var")))
if not VAR_DIR.is_absolute():
    VAR_DIR = BASE_DIR / VAR_DIR

SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
if DEBUG:
    SECRET_KEY = SECRET_KEY or "django-insecure-local-development-only"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["localhost", "127.0.0.1", "[::1]"]
else:
    if not SECRET_KEY:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG off, set SECRET_KEY to a long random string "
            "(or set DEBUG=1 for local development)."
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS is not set. With DEBUG off, set ALLOWED_HOSTS to the site's host "
            "names, comma-separated (or set DEBUG=1 for local development)."
        )
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

SITE_NAME = env.str("SITE_NAME", default="elearn")
# Printed on certificates of courses that have no certificate template of their own.
CERTIFICATE_ISSUER = env.str(
    "CERTIFICATE_ISSUER", default="Public Procurement and Human Rights Learning Lab"
)
CERTIFICATE_SIGNATORY = env.str("CERTIFICATE_SIGNATORY", default="")
# The Ed25519 private key (PEM) that signs the Open Badges credentials of certificates: in the
# environment, or in a file outside the repository (`manage.py create_signing_key` makes one).
# Neither set: certificates are issued without a credential. With DEBUG on (`make run`), the
# file defaults to var/credential-signing-key.pem, which `setup_demo` creates. docs/open-badges.md.
CREDENTIAL_SIGNING_KEY = env.str("CREDENTIAL_SIGNING_KEY", default="", multiline=True)
CREDENTIAL_SIGNING_KEY_FILE = env.str(
    "CREDENTIAL_SIGNING_KEY_FILE",
    default=str(VAR_DIR / "credential-signing-key.pem") if DEBUG else "",
)
# Statistics (reports/): a figure computed from fewer participants than this shows "<K".
STATISTICS_MIN_CELL = env.int("STATISTICS_MIN_CELL", default=5)
# Exports (reports/exports/): up to this many rows are sent at once; more are prepared in the
# background, and the file is kept this many days for the one who asked.
EXPORT_STREAM_MAX_ROWS = env.int("EXPORT_STREAM_MAX_ROWS", default=10_000)
EXPORT_RETENTION_DAYS = env.int("EXPORT_RETENTION_DAYS", default=7)
# A learning record store to send xAPI statements to (its endpoint, the address before
# /statements, e.g. https://lrs.example.org/xAPI/), with HTTP basic credentials; empty: off
# (nothing is recorded). Participants are named by their id on this site, or by their email
# with XAPI_ACTOR_EMAIL. docs/xapi.md.
XAPI_LRS_URL = env.str("XAPI_LRS_URL", default="")
if XAPI_LRS_URL and not XAPI_LRS_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured("XAPI_LRS_URL must be an http(s) address.")
XAPI_LRS_USERNAME = env.str("XAPI_LRS_USERNAME", default="")
XAPI_LRS_PASSWORD = env.str("XAPI_LRS_PASSWORD", default="")
XAPI_ACTOR_EMAIL = env.bool("XAPI_ACTOR_EMAIL", default=False)
# Privacy: raw activity (lesson visits, message deliveries) older than this many months is
# deleted every day (accounts.services.privacy.prune_old_activity); progress and statistics stay.
ACTIVITY_RETENTION_MONTHS = env.int("ACTIVITY_RETENTION_MONTHS", default=24)
if ACTIVITY_RETENTION_MONTHS < 1:
    raise ImproperlyConfigured("ACTIVITY_RETENTION_MONTHS must be 1 or more.")
# Where the privacy notice tells people to write about their data ("" : the notice says to
# ask the organisation running the platform).
PRIVACY_CONTACT_EMAIL = env.str("PRIVACY_CONTACT_EMAIL", default="")
SITE_ID = 1

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "allauth",
    "allauth.account",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_countries",
    "elearn",
    "accounts",
    "courses",
    "quizzes",
    "certificates",
    "reports",
    "xapi",
    "lti_tool",
    "lti",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "elearn.middleware.ContentSecurityPolicy",
    # Before the session and authentication, which look up cookies and headers.
    "elearn.middleware.RefuseUnstorableInput",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages gzip-compressed for slow connections (with Vary: Accept-Encoding). Since Django 4.2
    # it pads each response at random against BREACH (the CSRF token and session travel in
    # compressed pages). Below WhiteNoise, which serves static files compressed ahead of time,
    # with a year's cache on their fingerprinted names: those never come through here.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.PreferredLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

# The largest request body, files apart (Django's own limit, which the API's parsers also
# honour): a larger one is refused with a 400. Our largest bodies are forms and quiz answers.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)

ROOT_URLCONF = "elearn.urls"
WSGI_APPLICATION = "elearn.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "elearn.context_processors.site",
            ],
        },
    },
]
if DEBUG:
    # `make run` serves with gunicorn, which reloads on Python changes only: templates are
    # read afresh on each request instead of cached, so an edited template shows at once.
    TEMPLATES[0]["APP_DIRS"] = False
    TEMPLATES[0]["OPTIONS"]["loaders"] = [
        "django.template.loaders.filesystem.Loader",
        "django.template.loaders.app_directories.Loader",
    ]

# Database: SQLite in var/ by default; DATABASE_URL selects PostgreSQL in production.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'elearn.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # Writers take the lock when their transaction starts, so concurrent writes queue
            # (up to `timeout` seconds) instead of failing with "database is locked".
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # The separate worker process used by the reliability tests must see the test database, so
    # it is a file; one per test run, so that two runs at once do not share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # The lesson page's query is prepared once per connection (courses/selectors/lesson_page.py);
    # Django's own queries are never prepared (its cursors bind parameters on the client).
    # psycopg prepares nothing when the threshold is None: set DATABASE_PREPARED_STATEMENTS=0
    # behind a pooler that cannot keep prepared statements (PgBouncer before 1.21, or without
    # max_prepared_statements, in transaction mode).
    if env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
        DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 5
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: shared by every web process (login rate limits depend on it). The database cache
# needs no server; CACHE_URL=redis://host:6379/1 selects Redis.
CACHES = {"default": env.cache_url("CACHE_URL", default="dbcache://elearn_cache")}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_REDIRECT_URL = "home"
LOGIN_URL = "account_login"

# django-allauth: email is the identity; no usernames.
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env.str(
    "ACCOUNT_EMAIL_VERIFICATION", default="optional" if DEBUG else "mandatory"
)
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupProfileForm"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_RATE_LIMITS = {
    # allauth's defaults, stated so they are visible and tunable in one place.
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "

# Email: console by default; EMAIL_URL (smtp://user:pass@host:587/?tls=True) in production.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="elearn <noreply@localhost>")
# Messages from facilitators to their cohort (nudges): at most this many emails a minute per
# message, so that a large cohort does not trip the mail provider's rate limits.
NUDGE_EMAILS_PER_MINUTE = env.int("NUDGE_EMAILS_PER_MINUTE", default=120)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Internationalisation: English, French, Spanish and Arabic (right to left).
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("fr", _("French")),
    ("es", _("Spanish")),
    ("ar", _("Arabic")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates and numbers follow the active language (Django's formats), with the platform's own
# English and Arabic date formats (elearn/formats: one format per kind of date).
FORMAT_MODULE_PATH = ["elearn.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Static files are served by WhiteNoise (compressed, cache-busted names); media are local files
# by default or an S3-compatible bucket when AWS_STORAGE_BUCKET_NAME is set.
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"  # made and filled by collectstatic
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    _media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _media_storage,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG and env.bool("ELEARN_MANIFEST_STATIC", default=True)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Celery: a broker that needs no server by default (kombu's filesystem transport, folders in
# var/). CELERY_BROKER_URL selects Redis (redis://...) or RabbitMQ (amqp://...). The database,
# not the broker, is the truth about pending work: embedded brokers lose a message whose worker
# was killed, so work is recorded in the database first and swept when lost.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    # kombu's transport, publishing each message whole (elearn/broker.py).
    CELERY_BROKER_TRANSPORT = "elearn.broker:Transport"
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Messages a worker process holds, the one it runs included (tasks are acknowledged late). With 1,
# a busy worker takes no message another could run: a task that queues the next batch before it
# renders (certificates.tasks) hands it to an idle worker, not to its own queue, and two workers
# issue about 1.5 times one's rate here instead of 1.3 (bench/run.py certificates: one worker
# issues as fast with 1 as with 4, within 10-15% of the in-process rate). Held messages are
# unacknowledged, so a worker that dies gives them back (the filesystem broker does not: the
# sweeps find that work again).
CELERY_WORKER_PREFETCH_MULTIPLIER = env.int("CELERY_WORKER_PREFETCH_MULTIPLIER", default=1)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Celery's Django fixup closes the database connection after every task unless told to reuse
# it: reconnecting to PostgreSQL cost more than rendering a certificate (bench/).
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=100)
# Sweeps that enqueue again what the database says is pending (run by `celery beat`, or by
# the worker itself with `--beat` as `make run` does).
CELERY_BEAT_SCHEDULE = {
    # Every 30 s: with the sweep's one-minute threshold (certificates.tasks), a certificate
    # whose message was lost is issued within about 90 s. The sweep is four statements.
    "reconcile-certificates": {
        "task": "certificates.tasks.reconcile_certificates_task",
        "schedule": 30.0,
    },
    "resend-pending-invitations": {
        "task": "courses.tasks.resend_pending_invitations_task",
        "schedule": 600.0,
    },
    "resend-pending-messages": {
        "task": "courses.tasks.resend_pending_messages_task",
        "schedule": 300.0,
    },
    # Exports whose message was lost or whose worker was killed, and ready emails not sent.
    "resume-stalled-exports": {
        "task": "reports.exports.tasks.resume_stalled_exports_task",
        "schedule": 60.0,
    },
    "purge-expired-exports": {
        "task": "reports.exports.tasks.purge_expired_exports_task",
        "schedule": 3600.0,
    },
    # xAPI statements whose sending failed or whose task was lost (nothing without a store).
    "send-xapi-statements": {
        "task": "xapi.tasks.send_statements_task",
        "schedule": 60.0,
    },
    # LTI scores (AGS) whose sending failed or whose task was lost (nothing without LTI).
    "send-lti-scores": {
        "task": "lti.tasks.send_scores_task",
        "schedule": 60.0,
    },
    "purge-lti-nonces": {
        "task": "lti.tasks.purge_used_nonces_task",
        "schedule": 86400.0,
    },
    "purge-sent-xapi-statements": {
        "task": "xapi.tasks.purge_sent_statements_task",
        "schedule": 86400.0,
    },
    # API tokens past their expiry, of users who have not come back to have them swept.
    "purge-expired-api-tokens": {
        "task": "accounts.tasks.purge_expired_api_tokens_task",
        "schedule": 86400.0,
    },
    # Activity older than ACTIVITY_RETENTION_MONTHS, and expired sessions (the privacy notice).
    "prune-old-activity": {
        "task": "accounts.tasks.prune_old_activity_task",
        "schedule": 86400.0,
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULER = "elearn.celery:PersistentScheduler"  # makes the schedule's folder

# The number of reverse proxies of ours in front of the app. Rate limits (allauth's and the API's)
# take the client's address from X-Forwarded-For only that many hops deep; with 0 they use the
# connection's address, so a client cannot forge its identity with the header.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

# REST API.
REST_FRAMEWORK = {
    # A token first: its refusals are 401 with `WWW-Authenticate: Token`, so that a client whose
    # token expired knows to ask for a new one. Pages' sessions work too (with CSRF).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    # drf-spectacular's, plus the {"code", "detail"} error responses each operation can give.
    "DEFAULT_SCHEMA_CLASS": "elearn.schema.ErrorAutoSchema",
    "DEFAULT_PARSER_CLASSES": [
        # DRF's parsers, refusing text that must not be stored and bodies nested too deeply.
        "elearn.parsers.JSONParser",
        "elearn.parsers.FormParser",
        "elearn.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "elearn.errors.api_exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "token": env.str("API_TOKEN_RATE", default="10/min"),
        "certificate_verify": env.str("CERTIFICATE_VERIFY_RATE", default="30/min"),
    },
    # Client addresses for rate limits: REMOTE_ADDR unless proxies we run add X-Forwarded-For.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
# API tokens (django-rest-knox): the database keeps a SHA-512 digest, never the token; each
# expires API_TOKEN_TTL_HOURS after it was issued, however much it is used (no sliding renewal,
# so a request never writes and a leaked token dies on schedule). 10 hours: a working day for a
# script or an app, after which it signs in again; a facilitator's or admin's token reads
# participants' personal data.
API_TOKEN_TTL_HOURS = env.int("API_TOKEN_TTL_HOURS", default=10)
if API_TOKEN_TTL_HOURS < 1:
    raise ImproperlyConfigured("API_TOKEN_TTL_HOURS must be 1 or more: API tokens always expire.")
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=API_TOKEN_TTL_HOURS),
    "AUTO_REFRESH": False,
    "AUTH_HEADER_PREFIX": "Token",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "elearn API",
    "DESCRIPTION": (
        "The course catalogue and outlines, cohorts, the signed-in user's profile, enrolments "
        "and progress, quizzes and attempts (graded on the server), and certificates (one's "
        "own, public verification by code, and the PDF). Sign in with a session or a token from "
        "`POST /api/v1/auth/token/` (`Authorization: Token ...`), which expires (`expiry`) and "
        "is revoked by `POST /api/v1/auth/logout/` (that token) or `/api/v1/auth/logout-all/` "
        "(all of one's tokens); lists are paginated.\n\n"
        'Every error is `{"code": ..., "detail": ...}`: `code` is stable and meant for programs '
        "(`invalid`, `not_found`, `permission_denied`, `throttled`, or a rule of the platform "
        "such as `already_enrolled`); `detail` is a message for people or, for `invalid`, an "
        "object of field -> messages. Each operation lists the error statuses it can answer; "
        "any of them also answers 405 to a method it does not have and 406 to an `Accept` "
        "header it cannot satisfy."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI's files come from drf-spectacular-sidecar, served by us: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No deep links: Swagger UI puts each one inside its operation's toggle button, a link in a
    # button that screen readers do not announce and keyboards reach twice (axe, tests/browser).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    # Course.language and User.preferred_language share one choice set: one enum in the schema.
    "ENUM_NAME_OVERRIDES": {
        "LanguageEnum": "elearn.settings.LANGUAGES",
        "ExportKindEnum": "reports.models.ExportKind",  # not the outline items' `kind`
        "CertificateStatusEnum": "certificates.models.CertificateStatus",  # not an enrolment's
    },
}

# Security. With DEBUG off these follow `manage.py check --deploy`; behind a TLS-terminating
# proxy set SECURE_PROXY_SSL_HEADER_ENABLED=1.
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Sent with every response (elearn.middleware.ContentSecurityPolicy): scripts, styles, images,
# fonts and requests from this site only, and no inline script or style (pages keep theirs in
# static/); no framing, no <base>, forms posted here only. The API docs page adds what Swagger
# UI needs (elearn.api_docs).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
if env.bool("SECURE_PROXY_SSL_HEADER_ENABLED", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# security.W021 (SECURE_HSTS_PRELOAD off) is silenced by default: asking browsers to preload HSTS
# for the whole domain is a commitment only the domain's owner can make. Set SECURE_HSTS_PRELOAD=1
# once the domain is submitted to the preload list.
SILENCED_SYSTEM_CHECKS = env.list("SILENCED_SYSTEM_CHECKS", default=["security.W021"])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
