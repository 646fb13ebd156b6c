"""“Why this number?”: a goal's progress explained contributor by contributor, now or on a past date.

The rollup records the full explanation with every change (``GoalProgress.explanation``), so the
explanation at any moment is the last record before it: nothing is recomputed or replayed. The
current titles of the contributors are looked up; a contributor the reader may not see is shown
as a private goal with its numbers, so the arithmetic still adds up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from cascade.goals.models import Goal, GoalProgress, KeyResult
from cascade.goals.selectors import visible_goals
from cascade.orgs.models import Member


@dataclass(frozen=True)
class ExplanationRow:
    kind: str  # "key_result" or "goal"
    id: int
    title: str
    visible: bool
    progress: float | None
    weight: float
    normalised_weight: float
    share: float  # what this contributor adds to the goal's progress
    left_out: str | None  # why it does not count, or None


@dataclass(frozen=True)
class GoalExplanation:
    goal: Goal
    progress: float | None
    recorded_at: datetime | None  # when this explanation was recorded; None: never
    cause: str
    rows: list[ExplanationRow]


def end_of(day: date) -> datetime:
    """The last moment of a day in the current time zone."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min)) - timedelta(
        microseconds=1
    )


def explain_goal(actor: Member, goal: Goal, as_of: date | None = None) -> GoalExplanation:
    """The explanation of ``goal`` now, or at the end of the day ``as_of``. Three queries."""
    records = GoalProgress.objects.filter(goal=goal).order_by("-at", "-id")
    if as_of is not None:
        # Nothing is recorded in the future: a later day reads as today (and 9999-12-31 cannot
        # overflow the day after it).
        records = records.filter(at__lte=end_of(min(as_of, actor.organisation.today())))
    record = records.first()
    if record is None:
        return GoalExplanation(goal, None, None, "", [])
    contributors: list[dict[str, Any]] = record.explanation.get("contributors", [])
    kr_ids = [c["id"] for c in contributors if c["kind"] == "key_result"]
    goal_ids = [c["id"] for c in contributors if c["kind"] == "goal"]
    kr_titles = dict(KeyResult.objects.filter(pk__in=kr_ids, goal=goal).values_list("pk", "title"))
    goal_titles = dict(visible_goals(actor).filter(pk__in=goal_ids).values_list("pk", "title"))
    rows = []
    for c in contributors:
        if c["kind"] == "key_result":
            title, visible = kr_titles.get(c["id"], "A key result since removed"), True
        else:
            visible = c["id"] in goal_titles
            title = goal_titles.get(c["id"], "A private goal")
        rows.append(
            ExplanationRow(
                kind=c["kind"],
                id=c["id"],
                title=title,
                visible=visible,
                progress=c["progress"],
                weight=c["weight"],
                normalised_weight=c["normalised_weight"],
                share=c["share"],
                left_out=c["left_out"],
            )
        )
    return GoalExplanation(goal, record.progress, record.at, record.cause, rows)
