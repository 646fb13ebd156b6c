import pytest
from django.core.cache import cache

from tests.builders import World, make_world


@pytest.fixture
def world(db) -> World:
    return make_world()


@pytest.fixture
def team(world):
    """A manager, her report and an outsider, with goals to put on a sheet (tests/performance/scene.py)."""
    from tests.performance.scene import make_team

    return make_team(world)


@pytest.fixture(autouse=True)
def _fresh_throttles(request: pytest.FixtureRequest) -> None:
    """Sign-in counts live in the cache; every test with a database starts with none. The
    default cache is a table of the test database, which a transactional test's flush leaves
    alone (it is no model's), so it is emptied here too, like Redis. Tests without a database
    (the pure progress rules) have no cache table to empty."""
    uses_db = request.node.get_closest_marker("django_db") or {
        "db",
        "transactional_db",
        "live_server",
    } & set(request.fixturenames)
    if not uses_db:
        return
    request.getfixturevalue("django_db_setup")
    with request.getfixturevalue("django_db_blocker").unblock():
        cache.clear()


@pytest.fixture(scope="session")
def _smtp_server():
    from tests.smtp import SmtpServer

    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp(_smtp_server, settings):
    """Mail goes to a real SMTP server on 127.0.0.1; returns its inbox (emptied per test)."""
    settings.MAILERS = {"default": _smtp_server.mailer()}
    _smtp_server.inbox.clear()
    return _smtp_server.inbox


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``postgres_only`` (row locks across threads, PostgreSQL's own error codes)
    run in the PostgreSQL pass of ``./dev test``; the SQLite pass leaves them out (deselected,
    not skipped). Asked for by name with ``-m postgres_only`` on SQLite, they run, and fail."""
    if connection_vendor() != "sqlite" or "postgres_only" in (config.option.markexpr or ""):
        return
    left_out = [item for item in items if item.get_closest_marker("postgres_only")]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not item.get_closest_marker("postgres_only")]


def connection_vendor() -> str:
    from django.db import connection

    return connection.vendor
