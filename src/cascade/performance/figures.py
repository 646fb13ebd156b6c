"""The live figures of goal sheet items: each item's progress and achieved value, in bulk."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cascade.core import formatting
from cascade.goals.models import Goal, KeyResult
from cascade.goals.selectors import visible_goals
from cascade.orgs.models import Member
from cascade.performance.models import GoalRating, ItemKind, SheetItem
from cascade.progress import COUNTING_STATES, KeyResultValues, Kind, progress
from cascade.progress.sheets import SheetTotals, WeightedItem, sheet_totals

PRIVATE_GOAL = "A private goal"
PRIVATE_KEY_RESULT = "A key result of a private goal"


@dataclass(frozen=True)
class ItemFigures:
    item: SheetItem
    title: str
    weight: float
    progress: float | None
    achieved: float
    source: str  # what the progress comes from, for people to read
    goal_id: int | None  # the OKR goal behind a link: the goal, or the key result's goal
    hidden: bool = False  # the reader may not see that goal: no title, no ids, only numbers


def measure_progress(item: SheetItem) -> float | None:
    """An own-measure item follows the metric rule: start → target, lower is better if target < start."""
    if item.start is None or item.target is None or item.start == item.target:
        return None
    return progress(KeyResultValues(Kind.METRIC, item.start, item.target, item.current))


def live_figures(items: Sequence[SheetItem], viewer: Member | None = None) -> list[ItemFigures]:
    """Figures for the items as of now, in three queries whatever the count.

    With a ``viewer``, a link to a goal they may not see keeps its numbers (the sheet still adds
    up) but not its title, like a private contributor in "Why this number?". Without one (the
    snapshots of a review), the titles are kept as they are.
    """
    kr_ids = [i.key_result_id for i in items if i.key_result_id]
    goal_ids = [i.goal_id for i in items if i.goal_id]
    krs = KeyResult.objects.select_related("goal").in_bulk(kr_ids) if kr_ids else {}
    goals = Goal.objects.in_bulk(goal_ids) if goal_ids else {}
    behind = {kr.goal_id for kr in krs.values()} | set(goals)
    hidden = set()
    if viewer is not None and behind:
        hidden = behind - set(
            visible_goals(viewer).filter(pk__in=behind).values_list("pk", flat=True)
        )
    figures = []
    for item in items:
        weight = float(item.weight)
        goal_id = None
        if item.kind == ItemKind.MEASURE:
            title, value = item.title, measure_progress(item)
            source = (
                f"{formatting.number(item.start)} → {formatting.measure(item.target, item.unit)}"
            )
        elif item.kind == ItemKind.KEY_RESULT and item.key_result_id in krs:
            kr = krs[item.key_result_id]
            goal_id, value = kr.goal_id, progress(kr.values)
            if goal_id in hidden:
                title, source = PRIVATE_KEY_RESULT, "Key result of a private goal"
            else:
                title, source = kr.title, f"Key result of “{kr.goal.title}”"
        elif item.kind == ItemKind.GOAL and item.goal_id in goals:
            goal = goals[item.goal_id]
            goal_id = goal.pk
            counts = goal.state in COUNTING_STATES
            value = goal.progress if counts else None
            title, source = (PRIVATE_GOAL if goal_id in hidden else goal.title), "Goal"
        else:
            # What it linked to is gone; its title, kept from the day it was linked, may have
            # been a private goal's, so a reader is not shown it (a snapshot keeps it).
            gone = "A link that no longer exists"
            title, value, source = (item.title or gone) if viewer is None else gone, None, "Removed"
        figures.append(
            ItemFigures(
                item,
                title,
                weight,
                value,
                WeightedItem(weight, value).achieved,
                source,
                goal_id,
                goal_id in hidden,
            )
        )
    return figures


def hide_private_titles(viewer: Member, ratings: Sequence[GoalRating]) -> None:
    """Blank the snapshot titles of goals the viewer may not see, in place (one query): the
    rows are read-only views of the snapshot, never saved after this."""
    behind = {r.goal_id for r in ratings if r.goal_id}
    if not behind:
        return
    visible = set(visible_goals(viewer).filter(pk__in=behind).values_list("pk", flat=True))
    for r in ratings:
        if r.goal_id and r.goal_id not in visible:
            r.title = PRIVATE_GOAL


def totals(figures: Sequence[ItemFigures]) -> SheetTotals:
    return sheet_totals(WeightedItem(f.weight, f.progress) for f in figures)
