from __future__ import annotations

import pytest

from tests.webhooks.receiver import Receiver, start


@pytest.fixture
def receiver(settings) -> Receiver:
    """A local endpoint: private addresses are allowed for it (as with DEBUG)."""
    settings.CASCADE_WEBHOOKS_ALLOW_PRIVATE = True
    running = start()
    yield running
    running.server.shutdown()
    running.server.server_close()
