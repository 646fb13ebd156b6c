"""A goal over time: its progress history, the forecast, and the check-ins behind them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from cascade.goals.models import CheckIn, Goal, GoalProgress, State
from cascade.progress import Point, forecast


@dataclass(frozen=True)
class ProgressPoint:
    at: datetime
    progress: float | None
    cause: str


def progress_history(goal: Goal) -> list[ProgressPoint]:
    """Every recorded change of the goal's progress, oldest first. One query."""
    rows = (
        GoalProgress.objects.filter(goal=goal)
        .order_by("at", "id")
        .values_list("at", "progress", "cause")
    )
    return [ProgressPoint(at, progress, cause) for at, progress, cause in rows]


def forecast_for(goal: Goal, history: list[ProgressPoint]) -> float | None:
    """The end-of-period progress if the trend goes on, for active goals: the rule's line
    through the recorded progress (``progress.forecast``: three records on two days at least,
    one point a day)."""
    if goal.state != State.ACTIVE:
        return None
    points = [
        Point(timezone.localdate(p.at), p.progress) for p in history if p.progress is not None
    ]
    return forecast(points, goal.ends)


def checkin_history(goal: Goal, limit: int = 200) -> list[CheckIn]:
    """The goal's check-ins, newest first, with their KR and author. One query."""
    return list(
        CheckIn.objects.filter(key_result__goal=goal)
        .select_related("key_result", "author__user")
        .order_by("-created_at", "-id")[:limit]
    )
