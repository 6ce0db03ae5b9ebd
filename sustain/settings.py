"""Django settings for Sustain, read from environment variables (see docs/configuration.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from sustain.core.env import (
    EnvError,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_path,
    env_str,
    env_time_zone,
    env_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = env_path("SUSTAIN_DATA_DIR", BASE_DIR / "var")

DEBUG = env_bool("DEBUG", default=False)
TESTING = env_bool("SUSTAIN_TESTING", default=False)

SECRET_KEY = env_str("SECRET_KEY")
_embedded_key = DATA_DIR / "secret_key"
if not SECRET_KEY and _embedded_key.is_file():
    # `make run` writes this file once, so that every `sustain` command beside the embedded
    # demo signs with the same key without exporting anything.
    SECRET_KEY = _embedded_key.read_text(encoding="utf-8").strip()
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise EnvError(
            "SECRET_KEY is not set. Set SECRET_KEY (or SECRET_KEY_FILE) to a long random "
            f"string, or put one in {_embedded_key} (`make run` does that)."
        )
    SECRET_KEY = "insecure-test-key-do-not-use-in-production"  # noqa: S105

SUSTAIN_BASE_URL = env_url(
    "SUSTAIN_BASE_URL", default="http://127.0.0.1:8000", schemes=("http", "https")
).rstrip("/")
_base = urlsplit(SUSTAIN_BASE_URL)
USE_HTTPS = _base.scheme == "https"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=[_base.hostname or "127.0.0.1", "localhost"])
if TESTING:
    ALLOWED_HOSTS = ["*"]
CSRF_TRUSTED_ORIGINS = env_list(
    "CSRF_TRUSTED_ORIGINS", default=[f"{_base.scheme}://{_base.netloc}"]
)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "huey.contrib.djhuey",
    "ninja",
    "sustain.core",
    "sustain.accounts",
    "sustain.catalog",
    "sustain.tickets",
    "sustain.sla",
    "sustain.releases",
    "sustain.backups",
    "sustain.maintenance",
    "sustain.mail",
    "sustain.kb",
    "sustain.oncall",
    "sustain.preventive",
    # The user interfaces sit on top: they compose the apps above this line.
    "sustain.portal",
    "sustain.desk",
    # Last: the demo data uses every app above.
    "sustain.demo",
]

MIDDLEWARE = [
    "sustain.core.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Answers for a signed-in user or a token: Cache-Control no-store (core/middleware.py).
    "sustain.core.middleware.NoStoreForSignedInMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A NUL character in a page's path, query or form: 400 before any view (core/middleware.py).
    "sustain.core.middleware.RefuseNulMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "sustain.core.middleware.ViewerTimeZoneMiddleware",
    # A service's NotFound / PermissionDenied that a page lets pass: the 404 / 403 page.
    "sustain.core.web_errors.ServiceErrorMiddleware",
]

ROOT_URLCONF = "sustain.urls"
WSGI_APPLICATION = "sustain.wsgi.application"
# Named here, as ROOT_URLCONF names the URL map, so that core (the bottom layer) can load
# them without importing the apps above it: the one list of periodic jobs, which every worker
# registers, and the demo accounts that `sustain run` prints (empty: print none).
SUSTAIN_SCHEDULE_MODULE = "sustain.schedule"
SUSTAIN_DEMO_LOGINS = "sustain.demo.logins.DEMO_LOGINS"

TEMPLATE_OVERRIDES = (
    [env_path("SUSTAIN_TEMPLATE_DIR", Path())] if env_str("SUSTAIN_TEMPLATE_DIR") else []
)
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Operators override any template (e-mails included) by placing a file of the same
        # name in SUSTAIN_TEMPLATE_DIR.
        "DIRS": TEMPLATE_OVERRIDES,
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
DATABASE_URL = env_url(
    "DATABASE_URL",
    default=f"sqlite:///{DATA_DIR / 'sustain.sqlite3'}",
    schemes=("sqlite", "postgres", "postgresql", "pgsql"),
)
_db: dict[str, Any] = dict(dj_database_url.parse(DATABASE_URL, conn_max_age=0))
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the single writer; IMMEDIATE takes the write lock at BEGIN so
    # two writers queue on busy_timeout instead of failing with "database is locked".
    _db["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    # Django's backend, but a connection that served a request within the last second
    # skips the health check's extra round trip, and the hot path's statements are prepared
    # (sustain/core/postgresql/base.py).
    _db["ENGINE"] = "sustain.core.postgresql"
    _db["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0)
    _db["CONN_HEALTH_CHECKS"] = True
    # Parameters travel separately from the SQL text.
    _db["OPTIONS"] = {"server_side_binding": env_bool("DATABASE_SERVER_SIDE_BINDING", True)}
# PostgreSQL only: the hot statements of sustain.core.fastsql are prepared once per connection
# (sustain/core/postgresql/base.py). Off for PgBouncer in transaction mode before 1.21.
SUSTAIN_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", True)
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Covering indexes (INCLUDE) are a PostgreSQL speed-up; SQLite builds the same index without
# the extra columns, which is all the embedded default needs.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
IS_SQLITE = _db["ENGINE"] == "django.db.backends.sqlite3"
if IS_SQLITE:
    Path(_db["NAME"]).parent.mkdir(parents=True, exist_ok=True)

# --- Background work ----------------------------------------------------------------------
REDIS_URL = env_url("REDIS_URL", default="", schemes=("redis", "rediss", "unix"))
if REDIS_URL:
    HUEY: dict[str, Any] = {
        "huey_class": "huey.RedisHuey",
        "name": env_str("SUSTAIN_QUEUE_NAME", "sustain"),
        "url": REDIS_URL,
        "immediate": False,
    }
else:
    HUEY = {
        # WAL with synchronous=NORMAL, as the database (sustain/core/queue.py says why).
        "huey_class": "sustain.core.queue.SqliteHuey",
        "name": env_str("SUSTAIN_QUEUE_NAME", "sustain"),
        "filename": str(DATA_DIR / "queue.sqlite3"),
        "immediate": False,
    }
HUEY["consumer"] = {
    "workers": env_int("SUSTAIN_WORKER_THREADS", 2, minimum=1, maximum=64),
    "worker_type": "thread",
    "periodic": True,
    "check_worker_health": True,
}
if not REDIS_URL:
    # The SQLite queue is polled (Redis blocks until a job arrives); Huey's default backs off
    # to 10 s when idle, so the first e-mail after a quiet spell waited that long. One query a
    # second per worker thread costs nothing next to that.
    HUEY["consumer"]["max_delay"] = 1.0
if TESTING:
    HUEY = {"huey_class": "huey.MemoryHuey", "name": "sustain-test", "immediate": True}

# --- Authentication -----------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 at its real cost makes a test suite with hundreds of users slow for no gain.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = env_int("SUSTAIN_PASSWORD_RESET_TIMEOUT", 3 * 3600, minimum=300)
# Failed sign-ins (accounts.signin_limits): an account from one address, an account from all
# addresses together, or an address for any accounts, that fails this often within the window
# is refused until the oldest of those failures leaves it.
SUSTAIN_SIGNIN_MAX_FAILURES = env_int("SUSTAIN_SIGNIN_MAX_FAILURES", 5, minimum=1, maximum=1000)
SUSTAIN_SIGNIN_MAX_FAILURES_PER_ACCOUNT = env_int(
    "SUSTAIN_SIGNIN_MAX_FAILURES_PER_ACCOUNT", 50, minimum=1, maximum=100000
)
SUSTAIN_SIGNIN_MAX_FAILURES_PER_ADDRESS = env_int(
    "SUSTAIN_SIGNIN_MAX_FAILURES_PER_ADDRESS", 50, minimum=1, maximum=100000
)
SUSTAIN_SIGNIN_WINDOW_MINUTES = env_int(
    "SUSTAIN_SIGNIN_WINDOW_MINUTES", 15, minimum=1, maximum=1440
)

# --- Security headers ---------------------------------------------------------------------
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = USE_HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SUSTAIN_BEHIND_PROXY = env_bool("SUSTAIN_BEHIND_PROXY", default=False)
if SUSTAIN_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
SECURE_SSL_REDIRECT = USE_HTTPS and env_bool("SUSTAIN_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env_int("SUSTAIN_HSTS_SECONDS", 0, minimum=0) if USE_HTTPS else 0
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# --- Files --------------------------------------------------------------------------------
MEDIA_ROOT = env_path("MEDIA_ROOT", DATA_DIR / "media")
MEDIA_URL = "/media/"  # never served directly: downloads go through permission-checked views
STATIC_URL = "/static/"
STATIC_ROOT = env_path("STATIC_ROOT", DATA_DIR / "static")
WHITENOISE_USE_FINDERS = True
# WhiteNoise expects the collected-files folder to exist even when it serves from finders.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SUSTAIN_ATTACHMENT_MAX_BYTES = env_int(
    "SUSTAIN_ATTACHMENT_MAX_BYTES", 25 * 1024 * 1024, minimum=1024
)
SUSTAIN_ATTACHMENT_BLOCKED_EXTENSIONS = env_list(
    "SUSTAIN_ATTACHMENT_BLOCKED_EXTENSIONS",
    default=["exe", "bat", "cmd", "com", "scr", "msi", "vbs", "js", "jar", "ps1", "dll", "lnk"],
)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- E-mail -------------------------------------------------------------------------------
_email_host = env_str("EMAIL_HOST")
_email_use_tls = env_bool("EMAIL_USE_TLS", default=False)
_email_use_ssl = env_bool("EMAIL_USE_SSL", default=False)
if _email_use_tls and _email_use_ssl:
    raise EnvError("EMAIL_USE_TLS and EMAIL_USE_SSL are both true; choose one.")
_mailer: dict[str, Any]
if _email_host:
    _mailer = {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": _email_host,
            "port": env_int("EMAIL_PORT", 25, minimum=1, maximum=65535),
            "username": env_str("EMAIL_HOST_USER"),
            "password": env_str("EMAIL_HOST_PASSWORD"),
            "use_tls": _email_use_tls,
            "use_ssl": _email_use_ssl,
            "timeout": env_int("EMAIL_TIMEOUT", 30, minimum=1),
        },
    }
    # Microsoft 365 and Google: sign in with the OAuth2 grant of the mailbox of this name.
    _email_oauth2_mailbox = env_str("EMAIL_OAUTH2_MAILBOX")
    if _email_oauth2_mailbox:
        if _mailer["OPTIONS"]["password"]:
            raise EnvError("EMAIL_OAUTH2_MAILBOX and EMAIL_HOST_PASSWORD are both set; choose one.")
        _mailer["BACKEND"] = "sustain.mail.smtp.OAuth2EmailBackend"
        _mailer["OPTIONS"]["mailbox"] = _email_oauth2_mailbox
else:
    # Without an SMTP server, mail is written to files so that nothing is silently dropped.
    _mailer = {
        "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "OPTIONS": {"file_path": str(DATA_DIR / "sent-mail")},
    }
if TESTING:
    _mailer = {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
MAILERS = {"default": _mailer}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"Sustain <support@{_base.hostname}>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Sustain behaviour --------------------------------------------------------------------
SUSTAIN_TICKET_PREFIX = env_str("SUSTAIN_TICKET_PREFIX", "SUS")
SUSTAIN_REOPEN_DAYS = env_int("SUSTAIN_REOPEN_DAYS", 14, minimum=0)
SUSTAIN_OUTBOX_MAX_ATTEMPTS = env_int("SUSTAIN_OUTBOX_MAX_ATTEMPTS", 8, minimum=1)
SUSTAIN_OUTBOX_RETENTION_DAYS = env_int("SUSTAIN_OUTBOX_RETENTION_DAYS", 30, minimum=1)

# Maintenance windows: which conflicts refuse a plan (the others are warnings; any of
# overlap, rollout, freeze), and how many hours ahead customers are told of a window.
SUSTAIN_MAINTENANCE_REFUSE = env_list("SUSTAIN_MAINTENANCE_REFUSE", default=["freeze"])
if unknown := set(SUSTAIN_MAINTENANCE_REFUSE) - {"overlap", "rollout", "freeze"}:
    raise ImproperlyConfigured(f"SUSTAIN_MAINTENANCE_REFUSE: unknown conflicts {sorted(unknown)}")
SUSTAIN_MAINTENANCE_NOTICE_HOURS = env_int(
    "SUSTAIN_MAINTENANCE_NOTICE_HOURS", 24, minimum=0, maximum=24 * 60
)
SUSTAIN_METRICS_TOKEN = env_str("SUSTAIN_METRICS_TOKEN")
# Inbound e-mail: larger messages are refused with a bounce; a sender over the hourly limit is
# held for review instead of opening tickets.
SUSTAIN_MAIL_MAX_BYTES = env_int("SUSTAIN_MAIL_MAX_BYTES", 30 * 1024 * 1024, minimum=1024)
SUSTAIN_MAIL_SENDER_HOURLY_LIMIT = env_int("SUSTAIN_MAIL_SENDER_HOURLY_LIMIT", 30, minimum=1)
# The address customers reply to; notifications carry it as Reply-To with the ticket number
# as a plus-address (support+SUS-12@example.com). Empty: replies go to DEFAULT_FROM_EMAIL.
SUSTAIN_MAIL_REPLY_ADDRESS = env_str("SUSTAIN_MAIL_REPLY_ADDRESS")
# Addresses in Cc of a customer's mail become watchers of the ticket (if they may see it).
SUSTAIN_MAIL_CC_WATCHERS = env_bool("SUSTAIN_MAIL_CC_WATCHERS", default=True)

# --- Deployments (docs/deployments.md) ----------------------------------------------------
# The environments a deployment may name; the first is the default ("production").
SUSTAIN_DEPLOYMENT_ENVIRONMENTS = env_list(
    "SUSTAIN_DEPLOYMENT_ENVIRONMENTS", ["production", "staging", "test"]
)
# A signed webhook that reports a version the catalogue does not have: refused (422) unless
# this is set, when the version is added to the product's catalogue.
SUSTAIN_DEPLOYMENT_WEBHOOK_CREATES_VERSIONS = env_bool(
    "SUSTAIN_DEPLOYMENT_WEBHOOK_CREATES_VERSIONS", default=False
)


# --- Update policies and end-of-life notices (docs/update-policy.md) ----------------------
def _notice_days(name: str, default: list[str]) -> list[int]:
    raw = env_list(name, default)
    if not raw or not all(item.isdigit() and 1 <= int(item) <= 3650 for item in raw):
        raise EnvError(
            f"{name}={','.join(raw)!r}: whole numbers of days from 1 to 3650, e.g. 90,30,7."
        )
    return sorted({int(item) for item in raw}, reverse=True)


# How many days before a release line's end of life its customers' admins are told (once each).
SUSTAIN_EOL_NOTICE_DAYS = _notice_days("SUSTAIN_EOL_NOTICE_DAYS", ["90", "30", "7"])

# --- Backups (docs/operations/backup-and-recovery.md) -------------------------------------
SUSTAIN_BACKUP_ENABLED = env_bool("SUSTAIN_BACKUP_ENABLED", default=True)
SUSTAIN_BACKUP_HOUR = env_int("SUSTAIN_BACKUP_HOUR", 2, minimum=0, maximum=23)
SUSTAIN_BACKUP_DIR = env_path("SUSTAIN_BACKUP_DIR", DATA_DIR / "backups")
# A key of STORAGES to copy archives to (S3 and the like); empty: the directory above only.
SUSTAIN_BACKUP_STORAGE = env_str("SUSTAIN_BACKUP_STORAGE")
SUSTAIN_BACKUP_KEEP_DAILY = env_int("SUSTAIN_BACKUP_KEEP_DAILY", 7, minimum=0)
SUSTAIN_BACKUP_KEEP_WEEKLY = env_int("SUSTAIN_BACKUP_KEEP_WEEKLY", 4, minimum=0)
SUSTAIN_BACKUP_KEEP_MONTHLY = env_int("SUSTAIN_BACKUP_KEEP_MONTHLY", 12, minimum=0)
# Scheduled backups are encrypted when a passphrase is set (prefer SUSTAIN_BACKUP_PASSPHRASE_FILE).
SUSTAIN_BACKUP_PASSPHRASE = env_str("SUSTAIN_BACKUP_PASSPHRASE")

# --- Internationalisation -----------------------------------------------------------------
LANGUAGE_CODE = "en"
TIME_ZONE = env_time_zone("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

NINJA_PAGINATION_PER_PAGE = 50

LOG_LEVEL = env_choice(
    "LOG_LEVEL", "INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # A 4xx (a 403, a 404) is one line: sustain/core/logs.py.
    "filters": {"client_errors": {"()": "sustain.core.logs.ClientErrorsOnOneLine"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["client_errors"],
        }
    },
    "root": {"handlers": ["stderr"], "level": LOG_LEVEL},
    # The consumer adds no handler of its own when one is configured; not propagating keeps
    # each worker line from being printed twice.
    "loggers": {
        "huey": {
            "handlers": ["stderr"],
            "level": LOG_LEVEL,
            "propagate": False,
        }
    },
}
