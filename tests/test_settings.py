"""Settings come from the environment, with safe defaults for the embedded demo."""

import os
import stat
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from cascade import settings


def test_booleans_are_parsed_strictly(monkeypatch):
    monkeypatch.setenv("X_FLAG", "yes")
    assert settings.env_bool("X_FLAG") is True
    monkeypatch.setenv("X_FLAG", "off")
    assert settings.env_bool("X_FLAG") is False
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG"):
        settings.env_bool("X_FLAG")
    monkeypatch.delenv("X_FLAG")
    assert settings.env_bool("X_FLAG", default=True) is True


def test_the_embedded_database_is_sqlite_in_the_data_directory():
    config = settings.database(None)
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert str(config["NAME"]).startswith(str(settings.DATA_DIR))
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_database_url_selects_postgresql():
    config = settings.database("postgres://cascade:secret@db.example:5433/cascade")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("db.example", 5433, "cascade")


def test_a_secret_key_is_generated_once_and_kept_private(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = settings.secret_key(tmp_path)
    assert len(first) >= 50
    assert settings.secret_key(tmp_path) == first
    assert stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode) == 0o600
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    assert settings.secret_key(tmp_path) == "from-the-environment"


def test_debug_is_off_unless_asked_for(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "DJANGO_SETTINGS_MODULE")}
    env["CASCADE_DATA_DIR"] = str(tmp_path)
    code = "import cascade.settings as s; print(s.DEBUG, s.ALLOWED_HOSTS)"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False ['127.0.0.1', 'localhost']"


def test_the_cache_is_shared_by_every_process():
    assert settings.cache(None) == {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "cascade_cache",
    }
    redis = settings.cache("redis://127.0.0.1:6379/0")
    assert redis["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert redis["LOCATION"] == "redis://127.0.0.1:6379/0"
    with pytest.raises(ImproperlyConfigured, match="CACHE_URL"):
        settings.cache("locmem://")  # a per-process cache would not limit across processes


def test_trusted_proxies_is_a_whole_number(monkeypatch):
    assert settings.env_int("CASCADE_TRUSTED_PROXIES", 0) == 0
    monkeypatch.setenv("CASCADE_TRUSTED_PROXIES", "2")
    assert settings.env_int("CASCADE_TRUSTED_PROXIES", 0) == 2
    for bad in ("one", "-1"):
        monkeypatch.setenv("CASCADE_TRUSTED_PROXIES", bad)
        with pytest.raises(ImproperlyConfigured, match="CASCADE_TRUSTED_PROXIES"):
            settings.env_int("CASCADE_TRUSTED_PROXIES", 0)


def test_a_fresh_database_gets_the_cache_table(tmp_path):
    """`cascade migrate` on an empty database creates the cache table too."""
    env = {**os.environ, "CASCADE_DATA_DIR": str(tmp_path), "DATABASE_URL": ""}
    env.pop("CACHE_URL", None)
    subprocess.run([sys.executable, "-m", "cascade.cli", "migrate", "-v", "0"], env=env, check=True)
    import sqlite3

    tables = sqlite3.connect(tmp_path / "cascade.sqlite3").execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'"
    )
    assert "cascade_cache" in {name for (name,) in tables}
