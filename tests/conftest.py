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
def _fresh_throttles(django_db_setup, django_db_blocker) -> None:
    """Sign-in counts live in the cache; every test starts with none. The default cache is a
    table of the test database, which a transactional test's flush leaves alone (it is no
    model's), so it is emptied here too, like Redis."""
    with django_db_blocker.unblock():
        cache.clear()
