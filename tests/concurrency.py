"""Running one piece of a test in several threads at once, each with its own database connection.

Django gives every thread its own connection; each thread closes its own when done, so none is
left open for the test database's teardown. The threads wait at a barrier and start together.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection


def in_threads(count: int, target: Callable[[int], object]) -> list[BaseException]:
    """Run ``target(0)`` … ``target(count - 1)`` in ``count`` threads started together.

    Returns what they raised (the test asserts it is empty): an exception in a thread would
    otherwise only be printed, and the test would pass.
    """
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def body(index: int) -> None:
        try:
            start.wait()
            target(index)
        except BaseException as error:  # collected and re-raised by the test's assertion
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=body, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors
