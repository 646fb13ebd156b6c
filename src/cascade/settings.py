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
CASCADE_ALLOW_SIGNUP default: off; on lets anyone create an organisation at /signup/ (its
                   founder confirms by email)
CASCADE_ENCRYPTION_KEYS  Fernet keys for the data sources' secrets, comma separated: the first
                   encrypts, all decrypt (rotation). Default, for the embedded demo database
                   only: a key generated once and kept in the data directory
"""

import os
import secrets
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
    "cascade.accounts",
    "cascade.orgs",
    "cascade.goals",
    "cascade.audit",
    "cascade.performance",
    "cascade.api",
    "cascade.demo",
    "django_tasks_db",
    "cascade.integrations",
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
CASCADE_ENCRYPTION_KEYS = encryption_keys(DATA_DIR, embedded=not os.environ.get("DATABASE_URL"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
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

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Background work (data-source syncs): Django's tasks framework on the database.
# `cascade worker` runs the tasks and schedules the syncs that are due.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Self-service sign-up of new organisations (/signup/). Off: the operator creates them.
CASCADE_ALLOW_SIGNUP = env_bool("CASCADE_ALLOW_SIGNUP")
