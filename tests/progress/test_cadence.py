"""The weekly check-in cadence, in an organisation's own time zone (no database)."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from cascade.progress import cadence

BERLIN = ZoneInfo("Europe/Berlin")
NINE = time(9, 0)


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN).astimezone(UTC)


def test_the_cadence_starts_at_the_latest_monday_nine_local_time():
    monday_nine = berlin(2026, 11, 30, 9, 0)
    assert cadence.cadence_start(monday_nine, BERLIN, 0, NINE) == monday_nine
    assert cadence.cadence_start(berlin(2026, 12, 3, 17, 0), BERLIN, 0, NINE) == monday_nine
    # A minute before nine on Monday, the cadence is still last week's.
    before = berlin(2026, 11, 30, 8, 59)
    assert cadence.cadence_start(before, BERLIN, 0, NINE) == berlin(2026, 11, 23, 9, 0)
    # Monday 09:00 in Berlin is Monday 08:00 UTC in winter: 08:30 UTC is past it.
    utc = datetime(2026, 11, 30, 8, 30, tzinfo=UTC)
    assert cadence.cadence_start(utc, BERLIN, 0, NINE) == monday_nine


def test_another_weekday_and_time():
    friday = cadence.cadence_start(berlin(2026, 12, 1, 12, 0), BERLIN, 4, time(16, 30))
    assert friday == berlin(2026, 11, 27, 16, 30)


def test_the_clocks_changing_keeps_nine_local():
    # Europe/Berlin moves to summer time on Sunday 29 March 2026: Monday 30 March 09:00 is
    # 07:00 UTC, the Monday before was 08:00 UTC; the weeks are 167 hours apart.
    after = cadence.cadence_start(berlin(2026, 3, 30, 10, 0), BERLIN, 0, NINE)
    assert after == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
    before = cadence.cadence_start(after - timedelta(minutes=1), BERLIN, 0, NINE)
    assert before == datetime(2026, 3, 23, 8, 0, tzinfo=UTC)
    # 02:30 does not exist that Sunday: it falls at 03:30 summer time.
    gap = cadence.cadence_start(berlin(2026, 3, 29, 12, 0), BERLIN, 6, time(2, 30))
    assert gap == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_the_nudge_falls_days_later_at_the_same_local_time():
    start = berlin(2026, 11, 30, 9, 0)
    assert cadence.nudge_moment(start, BERLIN, NINE, 2) == berlin(2026, 12, 2, 9, 0)
    assert cadence.nudge_moment(start, BERLIN, NINE, 0) is None
    # Across the autumn change (25 October 2026) it is still nine o'clock local time.
    october = berlin(2026, 10, 23, 9, 0)
    assert cadence.nudge_moment(october, BERLIN, NINE, 3) == berlin(2026, 10, 26, 9, 0)


def test_stale_means_a_whole_cadence_since_the_last_update():
    start = berlin(2026, 11, 30, 9, 0)
    line = cadence.stale_before(start)
    assert line == berlin(2026, 11, 23, 9, 0)
    updated_last_week = berlin(2026, 11, 24, 10, 0)
    assert not cadence.is_stale(updated_last_week, berlin(2026, 1, 1), line)
    assert cadence.is_stale(berlin(2026, 11, 20), berlin(2026, 1, 1), line)
    # Never checked in: its creation counts; made after the previous cadence, it is new.
    assert not cadence.is_stale(None, berlin(2026, 11, 25), line)
    assert cadence.is_stale(None, berlin(2026, 11, 16), line)


def test_a_naive_moment_or_a_bad_weekday_is_refused():
    with pytest.raises(ValueError, match="aware"):
        cadence.cadence_start(datetime(2026, 11, 30, 9), BERLIN, 0, NINE)
    with pytest.raises(ValueError, match="weekday"):
        cadence.cadence_start(berlin(2026, 11, 30, 9), BERLIN, 7, NINE)
