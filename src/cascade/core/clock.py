"""The current time, which the demo seeding (and tests) may set to a moment in the past.

Services read the time from here, never from ``timezone.now()`` directly, so that replaying
twelve weeks of check-ins gives each row, history entry and audit event its true moment.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

_frozen: ContextVar[datetime | None] = ContextVar("cascade_clock", default=None)


def now() -> datetime:
    return _frozen.get() or timezone.now()


def today(zone: str | None = None) -> date:
    """Today's date in the named time zone (an organisation's: ``Organisation.today()``), or
    in the installation's ``TIME_ZONE`` where there is no organisation yet."""
    return timezone.localdate(now(), ZoneInfo(zone) if zone else None)


@contextmanager
def frozen_at(moment: datetime) -> Iterator[None]:
    if timezone.is_naive(moment):
        raise ValueError("the clock needs an aware datetime")
    token = _frozen.set(moment)
    try:
        yield
    finally:
        _frozen.reset(token)
