"""The progress chart of a goal, drawn as SVG on the server: no charting library, no script.

Everything here is geometry: times and fractions in, SVG coordinates out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from cascade.goals.timeline import ProgressPoint

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 40, 12, 10, 26


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    actual: str  # polyline points "x,y x,y …" (a step line: progress holds until it changes)
    expected: Line
    forecast: Line | None
    today_x: float | None
    y_ticks: list[tuple[float, str]]
    x_ticks: list[tuple[float, str]]
    last_x: float | None
    last_y: float | None


def _moment(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def progress_chart(
    history: list[ProgressPoint],
    starts: date,
    ends: date,
    today: date,
    forecast: float | None,
    expected_from: date | None = None,
) -> Chart:
    """The axis spans ``starts`` to ``ends``; the expected line rises from ``expected_from``
    (``Goal.expected_from``: a goal created mid-period expects nothing before it existed)."""
    begin, finish = _moment(starts), _moment(ends + timedelta(days=1))
    span = (finish - begin).total_seconds()

    def x(moment: datetime) -> float:
        fraction = min(max((moment - begin).total_seconds() / span, 0.0), 1.0)
        return round(LEFT + fraction * (WIDTH - LEFT - RIGHT), 1)

    def y(progress: float) -> float:
        return round(HEIGHT - BOTTOM - progress * (HEIGHT - TOP - BOTTOM), 1)

    points: list[tuple[float, float]] = []
    level = 0.0
    for point in history:
        value = point.progress if point.progress is not None else 0.0
        if points:
            points.append((x(point.at), y(level)))
        points.append((x(point.at), y(value)))
        level = value
    now_x = x(_moment(today) + timedelta(hours=12)) if starts <= today <= ends else None
    if points:
        points.append((max(points[-1][0], now_x or x(min(_moment(today), finish))), y(level)))
    forecast_line = None
    if forecast is not None and points:
        forecast_line = Line(points[-1][0], points[-1][1], x(finish), y(forecast))
    months = []
    day = starts.replace(day=1)
    while day <= ends:
        if day >= starts:
            months.append((x(_moment(day)), day.strftime("%b %d").replace(" 0", " ")))
        day = (day + timedelta(days=32)).replace(day=1)
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        actual=" ".join(f"{px},{py}" for px, py in points),
        expected=Line(x(_moment(expected_from or starts)), y(0), x(finish), y(1)),
        forecast=forecast_line,
        today_x=now_x,
        y_ticks=[(y(v), f"{int(v * 100)} %") for v in (0, 0.25, 0.5, 0.75, 1)],
        x_ticks=months or [(x(begin), starts.strftime("%b %d"))],
        last_x=points[-1][0] if points else None,
        last_y=points[-1][1] if points else None,
    )
