"""Settings for the test suite: Cascade's own, with a throw-away data directory.

The database comes from DATABASE_URL like in production (tests/run.py sets it for each run).
"""

import os
import tempfile

os.environ.setdefault("CASCADE_DATA_DIR", tempfile.mkdtemp(prefix="cascade-tests-"))

from cascade.settings import *  # noqa: F403

# Fast hashing: the tests create many users; nothing here protects a real password.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
