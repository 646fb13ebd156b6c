"""The weekly check-in cadence: when it falls, when its nudge falls, and what is stale at it.

Pure functions of an aware moment and an organisation's settings (time zone, weekday and local
time of the check-in). No Django: the reminder job and "My week" both ask this module.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DEFAULT_WEEKDAY = 0  # Monday, as date.weekday() counts
DEFAULT_TIME = time(9, 0)
DEFAULT_NUDGE_AFTER_DAYS = 2  # 0: no nudge
MAX_NUDGE_AFTER_DAYS = 6  # a nudge falls before the next cadence
# One cadence is a week. A key result waits for its owner once a whole cadence has passed since
# its last check-in, or since it was created when it has none: a KR made an hour ago is new,
# not neglected.
CADENCE = timedelta(weeks=1)


def local_moment(day: date, at: time, tz: ZoneInfo) -> datetime:
    """``at`` on ``day`` in the zone, as an aware moment in UTC.

    A time that does not exist that day (the clocks jumped over it) falls as far after the jump
    as it was after the last reading before it (02:30 on a spring-forward night is 03:30); an
    ambiguous one (the clocks went back) is the first of the two.
    """
    return datetime.combine(day, at).replace(tzinfo=tz).astimezone(UTC)


def cadence_start(now: datetime, tz: ZoneInfo, weekday: int, at: time) -> datetime:
    """The latest check-in moment at or before ``now``: ``weekday`` at ``at``, local time."""
    if now.tzinfo is None:
        raise ValueError("the cadence needs an aware moment")
    if not 0 <= weekday <= 6:
        raise ValueError("a weekday is 0 (Monday) to 6 (Sunday)")
    today = now.astimezone(tz).date()
    day = today - timedelta(days=(today.weekday() - weekday) % 7)
    moment = local_moment(day, at, tz)
    if moment > now:
        moment = local_moment(day - CADENCE, at, tz)
    return moment


def nudge_moment(start: datetime, tz: ZoneInfo, at: time, nudge_after_days: int) -> datetime | None:
    """When the nudge of the cadence that started at ``start`` falls, or None without one.

    Counted in local days: two days after Monday 09:00 is Wednesday 09:00 local time, whatever
    the clocks did in between.
    """
    if nudge_after_days <= 0:
        return None
    day = start.astimezone(tz).date() + timedelta(days=nudge_after_days)
    return local_moment(day, at, tz)


def stale_before(start: datetime) -> datetime:
    """Key results last updated (or, never updated, created) before this are stale at the
    cadence that started at ``start``: a whole cadence has passed since."""
    return start - CADENCE


def is_stale(last_checkin_at: datetime | None, created_at: datetime, before: datetime) -> bool:
    """The rule, for one key result (the database query in the apps says the same)."""
    return (last_checkin_at or created_at) < before
