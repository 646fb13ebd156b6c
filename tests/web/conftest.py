"""Fixtures the web tests share; plain helpers (``url``, ``sign_in``) are in ``helpers.py``."""

import pytest

from tests.web.helpers import sign_in


@pytest.fixture
def signed_in(client, world):
    """The test client, signed in as the world's CEO (the organisation's founder, a super user)."""
    return sign_in(client, world.ceo)
