import pytest

from tests.builders import World, make_world


@pytest.fixture
def world(db) -> World:
    return make_world()


@pytest.fixture
def team(world):
    """A manager, her report and an outsider, with goals to put on a sheet (tests/performance/scene.py)."""
    from tests.performance.scene import make_team

    return make_team(world)
