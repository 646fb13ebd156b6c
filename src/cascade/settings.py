"""Cascade's settings. Everything that differs between machines comes from the environment.

DATABASE_URL       default: SQLite in the data directory (the embedded demo database)
SECRET_KEY         default: a key generated once and kept in the data directory
CASCADE_DATA_DIR   default: $XDG_DATA_HOME/cascade (~/.local/share/cascade)
DEBUG              default: off
ALLOWED_HOSTS      default: 127.0.0.1,localhost (comma separated)
TIME_ZONE          default: UTC
EMAIL_BACKEND      default: the console backend (mail is printed, not sent); with
                   django.core.mail.backends.smtp.EmailBackend also EMAIL_HOST, EMAIL_PORT,
                   EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS
DEFAULT_FROM_EMAIL default: Cascade <cascade@localhost>
CASCADE_SITE_URL   default: http://127.0.0.1:8000/ — the address people open Cascade at; the
                   links in emails the worker sends start with it
CASCADE_ALLOW_SIGNUP default: off; on lets anyone create an organisation at /signup/ (its
                   founder confirms by email)
CASCADE_ENCRYPTION_KEYS  Fernet keys for the data sources' secrets, comma separated: the first
                   encrypts, all decrypt (rotation). Default, for the embedded demo database
                   only: a key generated once and kept in the data directory
CASCADE_WORKER_TIMEOUT   default: 90 — seconds without a heartbeat after which a worker counts
                   as gone: its sync is closed as interrupted and queued again
SECURE_COOKIES, SECURE_SSL_REDIRECT, SECURE_HSTS_SECONDS, SECURE_HSTS_INCLUDE_SUBDOMAINS,
CASCADE_SESSION_IDLE_MINUTES: see the hardening block below
CACHE_URL          default: Django's database cache (a table in the database, shared by every
                   process); redis://host:6379/0 (or rediss://) for Redis
CASCADE_TRUSTED_PROXIES  default: 0. How many reverse proxies in front of Cascade append to
                   X-Forwarded-For; with 0 the client's address is REMOTE_ADDR and the header
                   is ignored (a client can write anything in it)
CASCADE_WEBHOOKS_ALLOW_PRIVATE  default: the value of DEBUG. Off: webhook URLs must be https
                   and must not resolve to a private, loopback, link-local or reserved address
                   (no requests into the server's own network). On: http and any address
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_seconds(name: str, default: float) -> float:
    raw = os.environ.get(name) or str(default)
    try:
        seconds = float(raw)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds < 86400:
        raise ImproperlyConfigured(f"{name} must be a number of seconds, not {raw!r}")
    return seconds


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None
    if value < 0:
        raise ImproperlyConfigured(f"{name} cannot be negative")
    return value


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def data_dir() -> Path:
    configured = os.environ.get("CASCADE_DATA_DIR")
    if configured:
        return Path(configured).expanduser().resolve()
    xdg = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(xdg) / "cascade"


def secret_key(directory: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept beside the data.

    Production deployments with several web processes on several hosts must set SECRET_KEY,
    so that they all sign sessions with the same key.
    """
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = directory / "secret_key"
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


def encryption_keys(directory: Path, embedded: bool) -> list[str]:
    """CASCADE_ENCRYPTION_KEYS from the environment, else (embedded demo only) a generated one.

    With a database of its own (DATABASE_URL) an installation must set the variable: a key
    kept beside one host's files would lock the other hosts out of the secrets. Without it the
    list is empty and storing or reading a secret fails with an error naming the variable.
    """
    configured = env_list("CASCADE_ENCRYPTION_KEYS", "")
    if configured or not embedded:
        return configured
    path = directory / "encryption_key"
    if not path.exists():
        from cryptography.fernet import Fernet

        directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(Fernet.generate_key().decode())
    return [path.read_text().strip()]


BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = data_dir()
SECRET_KEY = secret_key(DATA_DIR)
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    # Before the admin: the registration/ templates (password change) are Cascade's own.
    "cascade.web",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Before cascade.accounts: its failed sign-in receiver reads what axes decided (locked out).
    "axes",
    # Before the apps: their periodic jobs run after core's, in this order (core.scheduler).
    "cascade.core",
    "cascade.accounts",
    "cascade.orgs",
    "cascade.goals",
    "cascade.audit",
    "cascade.performance",
    "cascade.api",
    "cascade.demo",
    "django_tasks_db",
    "cascade.integrations",
    "cascade.notifications",
    "cascade.webhooks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "cascade.web.first_run.FirstRunMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "cascade.web.busy.BusyMiddleware",  # a write the database kept refusing: 503, not 500
]

ROOT_URLCONF = "cascade.urls"
WSGI_APPLICATION = "cascade.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",  # the 500 page's nonce
                "cascade.web.membership.navigation",
            ],
        },
    },
]


def database(url: str | None) -> dict[str, object]:
    if not url:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{DATA_DIR / 'cascade.sqlite3'}"
    config: dict[str, object] = dict(
        dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # IMMEDIATE transactions take SQLite's write lock at BEGIN, so two writers queue up
        # instead of failing with "database is locked" when one upgrades its read lock.
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    return config


DATABASES = {"default": database(os.environ.get("DATABASE_URL"))}

CACHE_TABLE = "cascade_cache"


def cache(url: str | None) -> dict[str, object]:
    """One cache for every process: the sign-in limits must count across all of them.

    The default is a table in the database (created by ``migrate``, see cascade.accounts.apps);
    Redis when CACHE_URL says so.
    """
    if not url:
        return {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": CACHE_TABLE}
    if url.startswith(("redis://", "rediss://", "unix://")):
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    raise ImproperlyConfigured(f"CACHE_URL must be a redis:// URL, not {url!r}")


CACHES = {"default": cache(os.environ.get("CACHE_URL"))}
CASCADE_ENCRYPTION_KEYS = encryption_keys(DATA_DIR, embedded=not os.environ.get("DATABASE_URL"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in limits (cascade/accounts/signin_limits.py): django-axes counts failed sign-ins per
# (email, client address) in the shared cache, for the web login, the admin login and
# POST /api/v1/tokens alike; the backend refuses a locked-out pair before any password is
# checked.
AUTHENTICATION_BACKENDS = ["cascade.accounts.signin_limits.SignInLimitBackend"]
CASCADE_TRUSTED_PROXIES = env_int("CASCADE_TRUSTED_PROXIES", 0)
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "cascade.accounts.signin_limits.username"
AXES_CLIENT_IP_CALLABLE = "cascade.accounts.clients.client_address"
AXES_ENABLE_ADMIN = False  # with the cache handler its admin pages would stay empty
AXES_VERBOSE = False  # no banner in every command's output
# axes.W002 asks for AxesMiddleware, which turns a lockout into its own page; Cascade's login
# forms and the API answer a lockout themselves (a form error, a 429 in the API's shape).
SILENCED_SYSTEM_CHECKS = ["axes.W002"]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


# Invitations are mailed. Without a mail server the console backend prints them, and the
# inviting super user is shown the set-password link on screen anyway. Django 6.1 configures
# mail with MAILERS (the EMAIL_BACKEND, EMAIL_HOST… settings are deprecated); the environment
# keeps the familiar names.
def mailer(backend: str) -> dict[str, object]:
    if not backend.endswith("smtp.EmailBackend"):
        return {"BACKEND": backend}
    return {
        "BACKEND": backend,
        "OPTIONS": {
            "host": os.environ.get("EMAIL_HOST", "localhost"),
            "port": int(os.environ["EMAIL_PORT"]) if os.environ.get("EMAIL_PORT") else None,
            "username": os.environ.get("EMAIL_HOST_USER", ""),
            "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
            "use_tls": env_bool("EMAIL_USE_TLS"),
        },
    }


MAILERS = {
    "default": mailer(
        os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
    )
}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Cascade <cascade@localhost>")
# Where people reach this Cascade: the links in emails the worker sends (reminders, digests,
# notifications) start with it, as there is no request to take the address from.
CASCADE_SITE_URL = os.environ.get("CASCADE_SITE_URL", "http://127.0.0.1:8000/")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Background work (data-source syncs): Django's tasks framework on the database.
# `cascade worker` runs the tasks and schedules the syncs that are due.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
CASCADE_WORKER_TIMEOUT = env_seconds("CASCADE_WORKER_TIMEOUT", 90)
CASCADE_WEBHOOKS_ALLOW_PRIVATE = env_bool("CASCADE_WEBHOOKS_ALLOW_PRIVATE", DEBUG)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},  # not a line per sign-in: the audit trail records them
    },
}


# --- Hardening (issue 10, item 8) ----------------------------------------------------------
# One block, so that it merges cleanly beside other changes to this file. docs/decisions.md
# ("Hardening") gives the reasons.
from typing import cast  # noqa: E402

from django.utils.csp import CSP  # noqa: E402

# Content-Security-Policy: everything from Cascade itself, no inline script or style. The only
# nonce is the 500 page's <style> (it must not depend on the static files).
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
)
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],  # Swagger UI's icons are data: URLs
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Pages of signed-in people are never stored by the browser or a proxy (a shared computer's
# back button, a caching proxy); static files keep WhiteNoise's long caching.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "cascade.web.middleware.NoStoreForSignedIn",
)

# HTTPS: with SECURE_COOKIES on Cascade is served over TLS, so it redirects plain HTTP and
# sends HSTS (a year; subdomains only when asked, as they may be other people's services).
# Behind a TLS proxy (CASCADE_TRUSTED_PROXIES > 0) its X-Forwarded-Proto is believed: only then,
# since a client could send that header itself.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=SESSION_COOKIE_SECURE)
SECURE_HSTS_SECONDS = (
    int(os.environ.get("SECURE_HSTS_SECONDS") or 365 * 24 * 3600) if SESSION_COOKIE_SECURE else 0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS")
if CASCADE_TRUSTED_PROXIES > 0:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Sessions end after CASCADE_SESSION_IDLE_MINUTES without a request (default 8 hours: a working
# day). cascade.web.middleware.IdleSessionTimeout moves the expiry on at most once a minute,
# rather than SESSION_SAVE_EVERY_REQUEST's write on every request.
CASCADE_SESSION_IDLE_MINUTES = int(os.environ.get("CASCADE_SESSION_IDLE_MINUTES") or 8 * 60)
SESSION_COOKIE_AGE = CASCADE_SESSION_IDLE_MINUTES * 60
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "cascade.web.middleware.IdleSessionTimeout",
)

# Refusals (403, 404, 400) are logged on one line: the traceback of a PermissionDenied says
# nothing an operator needs, and fills the log.
LOGGING["filters"] = {
    "no_client_error_traceback": {"()": "cascade.core.logs.NoClientErrorTraceback"}
}
cast(dict[str, dict[str, object]], LOGGING["handlers"])["console"]["filters"] = [
    "no_client_error_traceback"
]
# --- End of hardening ----------------------------------------------------------------------
# Self-service sign-up of new organisations (/signup/). Off: the operator creates them.
CASCADE_ALLOW_SIGNUP = env_bool("CASCADE_ALLOW_SIGNUP")
