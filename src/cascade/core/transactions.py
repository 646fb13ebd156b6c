"""The transaction of a write, tried again when PostgreSQL gives up on it.

PostgreSQL ends a transaction it cannot let finish with a deadlock (SQLSTATE 40P01) or a
serialization failure (40001). Nothing of it is kept, so running the whole transaction again is
safe, and usually succeeds: the other writer has finished meanwhile. ``atomic_with_retries``
is ``transaction.atomic`` for the services that way: the outermost one runs its function again,
a few times with a short random pause, then raises ``Busy`` (answered 503). Only the function
inside the transaction is run again, never its caller; mail and other side effects wait for the
commit (``transaction.on_commit``) and so happen once. A service called inside another
transaction (a bigger service, a view's own ``atomic``) is not retried alone: the failure goes
up to the outermost one.
"""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable

from django.db import OperationalError, connection, transaction

from cascade.core.errors import Busy

logger = logging.getLogger(__name__)

RETRYABLE = frozenset({"40P01", "40001"})  # deadlock_detected, serialization_failure
ATTEMPTS = 4
PAUSE = 0.05  # seconds; the pause before attempt n is random, up to PAUSE × 2^(n-1)


def is_retryable(error: BaseException) -> bool:
    """Did the database end the transaction only because of other writers?"""
    cause = error.__cause__
    return isinstance(error, OperationalError) and getattr(cause, "sqlstate", None) in RETRYABLE


def atomic_with_retries[**P, R](function: Callable[P, R]) -> Callable[P, R]:
    """``transaction.atomic``, run again when the database gives up on it (see the module)."""

    @functools.wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        if connection.in_atomic_block:
            with transaction.atomic():
                return function(*args, **kwargs)
        attempt = 1
        while True:
            try:
                with transaction.atomic():
                    return function(*args, **kwargs)
            except OperationalError as error:
                if not is_retryable(error):
                    raise
                if attempt == ATTEMPTS:
                    raise Busy() from error
                logger.warning(
                    "%s: %s (attempt %d of %d), trying again",
                    function.__qualname__,
                    str(error).splitlines()[0],
                    attempt,
                    ATTEMPTS,
                )
                time.sleep(random.uniform(0, PAUSE * 2 ** (attempt - 1)))
                attempt += 1

    return run
