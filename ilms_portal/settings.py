"""Settings, read from the environment (django-environ); every variable has a safe default for `make run`."""

from __future__ import annotations

import secrets
import socket
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def _local_secret_key() -> str:
    """A random key kept in var/, so a fresh checkout runs without a committed secret."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="") or _local_secret_key()
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    "django_celery_beat",
    "collection",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "collection.audit.record.AuditContextMiddleware",
    "collection.views.errors.StyledNotFoundMiddleware",
]

ROOT_URLCONF = "ilms_portal.urls"
WSGI_APPLICATION = "ilms_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "collection.views.context.portal",
            ],
        },
    },
]

# Database: a SQLite file in the checkout unless DATABASE_URL says otherwise (production: PostgreSQL).
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the worker write to the same file: wait for locks and let readers go on (WAL).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 30, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
    # A file, not memory, so that a worker process started by the tests sees the test database.
    _db_file = Path(DATABASES["default"]["NAME"])
    DATABASES["default"]["TEST"] = {"NAME": str(_db_file.with_name(f"test_{_db_file.name}"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every request when it is missing
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # `make run` serves static files without a collectstatic step
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# The entry grid posts one field per cell: a partner-country table has 250 countries × years × 3 sexes (1,500
# cells for two years), past Django's default of 1,000 fields.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
MAX_UPLOAD_SIZE = env.int("MAX_UPLOAD_SIZE", default=200 * 1024 * 1024)

# --- memory ---
# What one worker process may use to read an upload (each of the worker's --concurrency=2 processes may read one at
# once): 4 GB × 2 processes leaves a 24 GB machine room for PostgreSQL, the web server and the page cache.
# Reading a workbook takes up to 8 times its unpacked size (measured: 4.9 times for a long-layout XLSX, 2.5 GB for
# 500 MB; the issue found 8 for the standard workbook), so the largest workbook read is this budget divided by 8
# (512 MB unpacked), unless MAX_UNPACKED_MB says less; the README's "Bounded memory" has the figures.
WORKER_MEMORY_BUDGET = env.int("WORKER_MEMORY_BUDGET", default=4 * 2**30)
READ_MEMORY_FACTOR = 8
MAX_UNPACKED_BYTES = env.int("MAX_UNPACKED_MB", default=WORKER_MEMORY_BUDGET // READ_MEMORY_FACTOR // 2**20) * 2**20
# A reader lays a sheet out from A1 to its last cell, about 64 bytes a cell: one value in XFD1048576 asks for 17
# billion cells (calamine aborted the worker asking for 550 GB), so a sheet may span at most budget / 64 cells.
MAX_SHEET_CELLS = WORKER_MEMORY_BUDGET // 64
# The annotated copy (the file with its problems marked) is made by the worker after validation, streamed into
# a write-only workbook: its memory is that of one sheet as read plus the issues (measured: a 300,000-row CSV
# 118 MB and 74 s; a 40 MB-unpacked XLSX 206 MB and 37 s). Files of more rows get a sentence instead (the report
# lists every issue with its row). An XLSX that unpacks to at most ANNOTATED_FULL_LOAD_MB is opened whole, so
# that its formatting stays: about 13 times that in memory and 4 s a MB (the same 40 MB: 644 MB and 161 s).
ANNOTATED_MAX_ROWS = env.int("ANNOTATED_MAX_ROWS", default=300_000)
ANNOTATED_FULL_LOAD_BYTES = env.int("ANNOTATED_FULL_LOAD_MB", default=10) * 2**20
ANNOTATED_ASK_AGAIN_SECONDS = 600  # a copy asked for this long ago and not made was lost with its message

# E-mail: the console in `make run`; EMAIL_URL=smtp://user:password@host:587 (or smtp+tls://) in production.
vars().update(env.email("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="ILMS Portal <ilms-noreply@localhost>")
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)


def _served_at(port: str) -> str:
    """The address of the server `PORT` starts (`8001` or `host:8001`, as runserver takes it); on every
    interface (0.0.0.0) others reach it by the machine's name."""
    host, _, number = port.strip().rpartition(":")
    if not host:
        host = "127.0.0.1"
    elif host in ("0.0.0.0", "::", "[::]"):
        host = socket.gethostname()
    return f"http://{host}:{number}"


# The address written into e-mailed links (invitations, workbooks); requests are not there to tell it.
PORTAL_URL = env.str("PORTAL_URL", default=_served_at(env.str("PORT", default="8000"))).rstrip("/")
# An invitation link lets a new focal point set a password for this long; a reset link for PASSWORD_RESET_TIMEOUT.
INVITATION_TIMEOUT_DAYS = env.int("INVITATION_TIMEOUT_DAYS", default=7)
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=60 * 60 * 24)
# The audit log takes the client address from X-Forwarded-For only behind a proxy that sets it.
AUDIT_TRUST_X_FORWARDED_FOR = env.bool("AUDIT_TRUST_X_FORWARDED_FOR", default=False)

# Celery: a broker that needs no server by default (kombu's filesystem transport), Redis in production.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
BROKER_DIR = Path(env.str("BROKER_DIR", default=str(VAR_DIR / "broker")))
if CELERY_BROKER_URL.startswith("filesystem://"):
    for sub in ("queue", "processed"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "store_processed": False,
        "polling_interval": 0.5,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True  # a worker killed mid-task leaves the message for the next one
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="ilms")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"  # schedules edited in the admin
CELERY_TIMEZONE = TIME_ZONE

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "collection.api.pagination.PageSizePagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "collection.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ILMS Portal API",
    "DESCRIPTION": "International Labour Migration Statistics for ASEAN: submissions, review and published data.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

if not DEBUG:
    SESSION_COOKIE_HTTPONLY = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=False)
    CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=False)
