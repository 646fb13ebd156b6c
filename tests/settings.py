"""Settings for the test suite: Cascade's own, with a throw-away data directory.

The database comes from DATABASE_URL like in production (tests/run.py sets it for each run).
"""

import os
import tempfile

os.environ.setdefault("CASCADE_DATA_DIR", tempfile.mkdtemp(prefix="cascade-tests-"))
# A fixed key for the data sources' secrets, on every database (only the embedded one makes its own).
os.environ.setdefault("CASCADE_ENCRYPTION_KEYS", "Q2FzY2FkZSB0ZXN0IGtleSwgbmV2ZXIgZm9yIHJlYWw=")

from cascade.settings import *  # noqa: F403

# Fast hashing: the tests create many users; nothing here protects a real password.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# A file, not SQLite's default in-memory test database, so that tests with several threads
# (concurrent check-ins, the live server of the browser tests) share one real database.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}  # noqa: F405

# Static files straight from the apps, as in development: no collectstatic before the tests.
WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405

# Two test runs at once on one PostgreSQL (two developers' shells, say) each need their own
# test database: CASCADE_TEST_DB_NAME names it.
if os.environ.get("CASCADE_TEST_DB_NAME") and DATABASES["default"]["ENGINE"].endswith("postgresql"):  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": os.environ["CASCADE_TEST_DB_NAME"]}  # noqa: F405
