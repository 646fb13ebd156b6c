"""Progress against time: what is expected by now, the status, and a linear forecast."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from cascade.progress.keyresults import clamp

DEFAULT_AT_RISK_MARGIN = 0.10
DEFAULT_OFF_TRACK_MARGIN = 0.25
FORECAST_MIN_POINTS = 3
# Progress and expected values are binary floats: 0.4 − 0.1 is 0.30000000000000004. Comparing
# with this tolerance keeps a value that lies exactly on a margin's line on the side the rule says.
ON_THE_LINE = 1e-9


class Status(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"

    @property
    def label(self) -> str:
        """What people read: "On track", "At risk", "Off track"."""
        return self.value.replace("_", " ").capitalize()


def expected_from(
    period_start: date, end: date, created: date, own_start: date | None = None
) -> date:
    """The day a goal's expected progress counts from.

    A goal's own start date, when it has one, is what its owner said and wins. Otherwise the
    period's start, or the day the goal was created when that is later: a goal written in the
    middle of a quarter is not already behind on the weeks before it existed. Never after the
    goal's end, so a goal written up after its period is simply due in full.
    """
    start = own_start if own_start is not None else max(period_start, created)
    return min(start, end)


def expected_progress(start: date, end: date, today: date) -> float:
    """The elapsed fraction of an inclusive date range, counting today as elapsed.

    On the first day of a 90-day quarter 1/90 is expected; on its last day, all of it. For a
    goal, ``start`` is ``expected_from(...)``, not simply its period's start. Before the start
    nothing is expected.
    """
    if end < start:
        raise ValueError("a period cannot end before it starts")
    days = (end - start).days + 1
    elapsed = (today - start).days + 1
    return clamp(elapsed / days)


def status(
    progress: float | None,
    expected: float,
    at_risk_margin: float = DEFAULT_AT_RISK_MARGIN,
    off_track_margin: float = DEFAULT_OFF_TRACK_MARGIN,
) -> Status | None:
    """On track within the first margin of what is expected, at risk within the second.

    A goal without progress has no status: there is nothing to judge yet.
    """
    if not 0 <= at_risk_margin <= off_track_margin:
        raise ValueError("margins must satisfy 0 ≤ at risk ≤ off track")
    if progress is None:
        return None
    if progress >= expected - at_risk_margin - ON_THE_LINE:
        return Status.ON_TRACK
    if progress >= expected - off_track_margin - ON_THE_LINE:
        return Status.AT_RISK
    return Status.OFF_TRACK


@dataclass(frozen=True, slots=True)
class Point:
    day: date
    progress: float


def forecast(points: Sequence[Point], end: date) -> float | None:
    """End-of-period progress if the trend of the points goes on: a least-squares line.

    ``points`` are the progress recorded over time, oldest first. Needs at least three of them
    on at least two different days; otherwise there is no trend worth drawing and the answer is
    ``None``. The line goes through one point a day — where the day ended — so that a busy day
    of check-ins does not outweigh a quiet week.
    """
    if len(points) < FORECAST_MIN_POINTS:
        return None
    by_day = {p.day: p.progress for p in points}  # the last of each day wins
    if len(by_day) < 2:
        return None
    origin = min(by_day)
    xs = [float((day - origin).days) for day in by_day]
    ys = list(by_day.values())
    n = len(xs)
    mean_x = sum(xs) / n
    mean_y = sum(ys) / n
    spread = sum((x - mean_x) ** 2 for x in xs)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread
    at_end = mean_y + slope * ((end - origin).days - mean_x)
    return clamp(at_end)
