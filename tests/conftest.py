import pytest

from tests.builders import World, make_world


@pytest.fixture
def world(db) -> World:
    return make_world()
