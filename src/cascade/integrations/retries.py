"""When a failed sync tries again.

Transient failures (rate limits, 503, other 5xx, timeouts, network errors, unreadable answers)
retry through the queue: the run is re-enqueued with ``run_after``, so no worker sleeps.
A ``Retry-After`` the service sent is honoured (seconds or an HTTP date, plus up to a second of
jitter); without one the wait grows exponentially with jitter: between half and all of
30 s, 60 s, 120 s … capped at 30 minutes. After ``MAX_ATTEMPTS`` attempts, or when a service
asks to wait longer than ``LONGEST_WAIT``, the run fails and the next scheduled slot tries again.
Everything else (a refused query, refused credentials, a removed API) never retries.
"""

from __future__ import annotations

import random

from cascade.integrations.errors import SyncError

MAX_ATTEMPTS = 5
BACKOFF_BASE = 30.0  # seconds before the second attempt, at most
BACKOFF_CAP = 30 * 60.0
LONGEST_WAIT = 6 * 3600.0

_random = random.SystemRandom()


def next_delay(error: SyncError, attempt: int, rng: random.Random = _random) -> float | None:
    """Seconds until the next attempt after attempt number ``attempt`` failed, or None: stop."""
    if not error.transient or attempt >= MAX_ATTEMPTS:
        return None
    if error.retry_after is not None:
        if error.retry_after > LONGEST_WAIT:
            return None
        return error.retry_after + rng.uniform(0, 1)
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 1))
    return rng.uniform(ceiling / 2, ceiling)
