"""Settings, read from the environment (django-environ); every variable has a safe default for `make run`."""

from __future__ import annotations

import datetime as dt
import secrets
import socket
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from kombu import Exchange, Queue

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
    "axes",
    "csp",
    "collection",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "collection.views.headers.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "collection.views.nul.RefuseNulMiddleware",  # --- fuzz --- before anything reads the session or a lookup
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "collection.audit.record.AuditContextMiddleware",
    "collection.views.errors.StyledNotFoundMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out sign-in into the lockout page
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
# --- pubsafe: publication's time limits on PostgreSQL (issue 13) ---
# Waiting for the country's publication lock (or a row another transaction holds): a publication that cannot
# have it within this many seconds gives way and is retried by the worker, so a process never sits behind a
# stuck one and keeps the queue waiting (an orphaned backend once held the lock for 11 minutes).
PUBLICATION_LOCK_TIMEOUT = env.int("PUBLICATION_LOCK_TIMEOUT", default=10)
# Any one statement of a publication: a million rows into a ten-million-row master take about 30 s, so this
# only stops a statement that would never end (retried, then the submission goes back to review).
PUBLICATION_STATEMENT_TIMEOUT = env.int("PUBLICATION_STATEMENT_TIMEOUT", default=600)
# How often the database checks, during a long statement, that the worker is still connected: a worker
# killed with -9 leaves its backend running; this makes it stop (rolling back, freeing the lock) within seconds.
PUBLICATION_CLIENT_CHECK_INTERVAL = env.int("PUBLICATION_CLIENT_CHECK_INTERVAL", default=2)
# A publication whose worker stops between two statements (hung, or the network gone) ends after this long.
PUBLICATION_IDLE_TIMEOUT = env.int("PUBLICATION_IDLE_TIMEOUT", default=60)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# --- auth ---
# Sign-in security (issue 13). django-axes counts failed sign-ins per username *and* address together: five wrong
# passwords for one account from one address lock that pair for 15 minutes, so an attacker cannot lock a focal
# point out from elsewhere, and a colleague's typos in the same ministry office (one address behind its NAT) do
# not lock everyone there. The same counter guards the two other doors a password or key is guessed at, under a
# name no account can have (brackets are not allowed in usernames): "[API token]" for unknown API tokens and
# "[reset link]" for invalid password-reset links, counted per address. Attempts during a lock are refused without
# checking the password and do not push the lock further, so the lockout page's "try again at" stays true. One
# right sign-in clears the account's count. Admins unlock from the admin (Axes → Access attempts) or with
# `manage.py axes_reset_username USERNAME` / `axes_reset_ip ADDRESS` / `axes_reset`.
AUTHENTICATION_BACKENDS = [
    "collection.people.signin.SignInGuardBackend",  # refuses a locked-out pair before the password is checked
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_HANDLER = "collection.people.signin.AttemptsHandler"  # axes' database handler, NUL bytes dropped
AXES_USERNAME_CALLABLE = "collection.people.signin.attempted_username"  # cut to 150 characters
AXES_CLIENT_IP_CALLABLE = "collection.audit.record.client_ip"  # the audit log's rule (AUDIT_TRUST_X_FORWARDED_FOR)
AXES_LOCKOUT_CALLABLE = "collection.views.signin.lockout_response"  # the portal's page, or JSON for the API
AXES_SENSITIVE_PARAMETERS = ["csrfmiddlewaretoken", "new_password1", "new_password2"]  # never stored by axes
AXES_VERBOSE = False  # failures go to the audit log (user.signin_failed, user.locked_out), not a log line each
# The "Forgot your password?" form sends at most this many e-mails per address typed and per client address in
# an hour (counted in the audit log, so every web process sees the same count); more are refused with a
# sentence that is the same whether the address has an account or not.
PASSWORD_RESET_LIMIT_PER_EMAIL = env.int("PASSWORD_RESET_LIMIT_PER_EMAIL", default=3)
PASSWORD_RESET_LIMIT_PER_IP = env.int("PASSWORD_RESET_LIMIT_PER_IP", default=10)
# A session lasts a fixed working day from sign-in (9 hours), however busy: a tab left open on a page that
# polls (a validation's status) would keep an inactivity timeout alive for ever, and saving the session on every
# request writes a row per poll. Signing out deletes the session at once.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=9 * 60 * 60)
# --- end auth ---
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

# --- queue: Celery, and work that is never lost and never run twice ---
# Celery: a broker that needs no server by default (kombu's filesystem transport), Redis in production.
# The database, not the broker, holds what must happen: a submission waiting in `received`, `validating` or
# `approved` is its own to-do. So a message may be lost (the sweeper re-sends it) or come twice (the lease
# drops it); the settings below choose for that.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
BROKER_DIR = Path(env.str("BROKER_DIR", default=str(VAR_DIR / "broker")))

# Time limits per task, in seconds. At the soft limit the task is told (SoftTimeLimitExceeded) and ends its
# work itself: a validation ends invalid with "took longer than N minutes"; a publication rolls back and goes
# back to review with a sentence (publication/publish.py). The hard limit, a minute later, kills the child
# process whatever it is doing (a read stuck in native code); its lease then dies and the takeover is counted
# (LEASE_TAKEOVER_LIMIT).
# The 1M-row CSV validates in about 5 s and publishes into 10M rows in about 32 s (README, Performance).
VALIDATION_SOFT_TIME_LIMIT = env.int("VALIDATION_SOFT_TIME_LIMIT", default=10 * 60)
VALIDATION_TIME_LIMIT = env.int("VALIDATION_TIME_LIMIT", default=VALIDATION_SOFT_TIME_LIMIT + 60)
PUBLICATION_SOFT_TIME_LIMIT = env.int("PUBLICATION_SOFT_TIME_LIMIT", default=30 * 60)
PUBLICATION_TIME_LIMIT = env.int("PUBLICATION_TIME_LIMIT", default=PUBLICATION_SOFT_TIME_LIMIT + 60)

# Leases (collection/submissions/lease.py): a running task renews its lease every LEASE_HEARTBEAT seconds from
# a thread of its own; a lease not renewed for LEASE_TIMEOUT (six beats: a slow database may miss some) is a
# dead worker's, and the next sweep's message takes it over. After LEASE_TAKEOVER_LIMIT takeovers of the same
# validation (its file killed the worker each time) it ends invalid with a sentence.
LEASE_HEARTBEAT = env.float("LEASE_HEARTBEAT", default=20)
LEASE_TIMEOUT = env.float("LEASE_TIMEOUT", default=6 * LEASE_HEARTBEAT)
LEASE_TAKEOVER_LIMIT = env.int("LEASE_TAKEOVER_LIMIT", default=2)
# The sweeper (every minute on the beat schedule, migration 0015) re-sends work waiting longer than this with
# no live lease; shorter would mostly duplicate messages still in the queue (a duplicate is dropped cheaply).
SWEEP_DELAY = env.float("SWEEP_DELAY", default=60)

# Sending fails fast when the broker is down: an upload commits, answers 201 and keeps its file, and the
# sweeper sends its validation when the broker is back. kombu's defaults retry and wait on the connection
# long enough to hold a web request; here one retry, and at most 2 s to connect (about 4.5 s in all).
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}
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
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Redis gives an unacknowledged message to another worker after this long: it must exceed the longest
        # hard time limit, else a task still running would be delivered again (the lease would drop it, but
        # only after a second worker took it up). An hour more than the longest.
        "visibility_timeout": max(VALIDATION_TIME_LIMIT, PUBLICATION_TIME_LIMIT) + 3600,
        "socket_connect_timeout": CELERY_BROKER_CONNECTION_TIMEOUT,
        "socket_timeout": env.float("CELERY_BROKER_SOCKET_TIMEOUT", default=10.0),
    }
CELERY_TASK_IGNORE_RESULT = True
# Acknowledged when the task ends, not when it starts: a whole worker killed mid-task leaves its message in
# Redis, given again after the visibility timeout (by then the sweeper has usually done the work, and the late
# copy finds it settled).
CELERY_TASK_ACKS_LATE = True
# A child process that dies mid-task (killed, out of memory, the hard limit) does not put its message back at
# once: that would send a file that kills its worker round the workers for ever, and the dead child's lease
# would drop the copy anyway. The sweeper takes the work over when the lease has died, and counts it.
CELERY_TASK_REJECT_ON_WORKER_LOST = False
# One message reserved per process: a long validation never holds other uploads behind it in its prefetch.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A child process that grew past this (KiB) after a large file is replaced once its task ends (polars and the
# allocator keep memory they no longer use).
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int("WORKER_MAX_MEMORY_PER_CHILD_MB", default=2048) * 1024
# Losing the broker connection does not stop running tasks: their result is in the database, not the broker.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# The queues (README, "Scaling out"): CELERY_QUEUE names the base queue, which takes the periodic duties (the
# sweeper, the bulk files, the daily round duties); each kind of work has a queue under it, "ilms.validation",
# "ilms.publication", "ilms.mail", to which collection/lib/queue.py routes every task by name. Portals (or test
# runs) sharing one Redis or RabbitMQ keep apart by their CELERY_QUEUE. A worker given no -Q takes all four.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="ilms")
QUEUE_KINDS = ("validation", "publication", "mail")  # the kinds collection/lib/queue.py routes to
# Each queue has an exchange and a routing key of its own name (as Celery makes a queue it was not told of): bound
# to the default exchange instead, every queue would get a copy of every message.
CELERY_TASK_QUEUES = [
    Queue(name, Exchange(name), routing_key=name)
    for name in [CELERY_TASK_DEFAULT_QUEUE, *(f"{CELERY_TASK_DEFAULT_QUEUE}.{kind}" for kind in QUEUE_KINDS)]
]
CELERY_TASK_ROUTES = ("collection.lib.queue.task_route",)
# E-mail to the people a change concerns is the mail queue's work (collection/lib/queue.py, mail_later); false
# sends it from the process that made the change, as before the queues were split (the test suite does).
MAIL_BY_WORKER = env.bool("MAIL_BY_WORKER", default=True)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"  # schedules edited in the admin
CELERY_TIMEZONE = TIME_ZONE
# --- end queue ---

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "collection.api.authentication.GuardedTokenAuthentication",  # TokenAuthentication, failures counted
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "collection.api.pagination.PageSizePagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "collection.api.schema.PortalAutoSchema",  # --- fuzz --- every error documented
    "EXCEPTION_HANDLER": "collection.api.errors.exception_handler",
    # --- headers: throttling ---
    # Per client address when anonymous, per person when signed in, and a stricter scope for the whole-table
    # downloads (observations CSV, SDMX data), which cost the most; counted in the shared cache (CACHES).
    "DEFAULT_THROTTLE_CLASSES": [
        "collection.api.throttling.AnonThrottle",
        "collection.api.throttling.UserThrottle",
        "collection.api.throttling.DownloadThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("THROTTLE_ANON", default="120/minute"),
        "user": env.str("THROTTLE_USER", default="600/minute"),
        "downloads": env.str("THROTTLE_DOWNLOADS", default="60/hour"),
    },
    # The client address anonymous use is counted by: the connection's own (0), or behind N proxies the Nth
    # address from the end of X-Forwarded-For (never a client's own header: it would pick its own count).
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ILMS Portal API",
    "DESCRIPTION": "International Labour Migration Statistics by region: submissions, review and published data.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # A round's and a submission's status are both "status": named here, so `check --deploy` has no collision.
    "ENUM_NAME_OVERRIDES": {"RoundStatusEnum": "collection.models.rounds.RoundStatus"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- headers ---
# The shared cache: throttle counts must be seen by every web process, so production gives Redis
# (CACHE_URL=redis://host:6379/2); `make run` keeps them in its one process's memory.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

# No inline script or style anywhere: scripts and styles come from the portal's own static files (charts set
# element styles from script, which a policy allows); pictures may be data: URLs (the admin's, Swagger UI's icons).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Browser features no page of the portal uses, switched off for every page (and anything injected into one).
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()"
)
SESSION_COOKIE_HTTPONLY = True

# SECURE_COOKIES=true means the portal is served over HTTPS: cookies only over HTTPS, plain HTTP redirected,
# and browsers told to keep to HTTPS (HSTS). SECURE_COOKIES=false (the default) is plain HTTP, as `make run`.
SECURE_COOKIES = env.bool("SECURE_COOKIES", default=False)
if not DEBUG:
    # A production secret is at least 50 characters with 5 different ones (Django's own check --deploy test).
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure-"):
        raise ImproperlyConfigured(
            "SECRET_KEY is too short or too plain: give at least 50 random characters "
            '(python -c "import secrets; print(secrets.token_urlsafe(50))").'
        )
    SESSION_COOKIE_SECURE = SECURE_COOKIES
    CSRF_COOKIE_SECURE = SECURE_COOKIES
    if SECURE_COOKIES:
        SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
        SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
        SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
        # Preloading is a promise made for a whole registered domain (submitted to the browsers' list), not
        # for a portal on a subdomain: off unless chosen, and then Django's reminder about it is silenced.
        SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
        if not SECURE_HSTS_PRELOAD:
            SILENCED_SYSTEM_CHECKS = [*vars().get("SILENCED_SYSTEM_CHECKS", []), "security.W021"]
    # Behind a proxy that ends HTTPS, the header it sets to say so: SECURE_PROXY_SSL_HEADER=X-Forwarded-Proto
    # (its value must then be https, and the proxy must overwrite whatever a client sent).
    _proxy_header = env.str("SECURE_PROXY_SSL_HEADER", default="")
    if _proxy_header:
        SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https")
