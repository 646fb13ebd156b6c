"""The live figures of goal sheet items: each item's progress and achieved value, in bulk."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cascade.goals.models import Goal, KeyResult, State
from cascade.performance.models import ItemKind, SheetItem
from cascade.progress import KeyResultValues, Kind, progress
from cascade.progress.sheets import SheetTotals, WeightedItem, sheet_totals


@dataclass(frozen=True)
class ItemFigures:
    item: SheetItem
    title: str
    weight: float
    progress: float | None
    achieved: float
    source: str  # what the progress comes from, for people to read


def measure_progress(item: SheetItem) -> float | None:
    """An own-measure item follows the metric rule: start → target, lower is better if target < start."""
    if item.start is None or item.target is None or item.start == item.target:
        return None
    return progress(KeyResultValues(Kind.METRIC, item.start, item.target, item.current))


def live_figures(items: Sequence[SheetItem]) -> list[ItemFigures]:
    """Figures for the items as of now: two queries for the linked KRs and goals, whatever the count."""
    kr_ids = [i.key_result_id for i in items if i.key_result_id]
    goal_ids = [i.goal_id for i in items if i.goal_id]
    krs = KeyResult.objects.select_related("goal").in_bulk(kr_ids) if kr_ids else {}
    goals = Goal.objects.in_bulk(goal_ids) if goal_ids else {}
    figures = []
    for item in items:
        weight = float(item.weight)
        if item.kind == ItemKind.MEASURE:
            title, value = item.title, measure_progress(item)
            source = f"{item.start} → {item.target} {item.unit}".strip()
        elif item.kind == ItemKind.KEY_RESULT and item.key_result_id in krs:
            kr = krs[item.key_result_id]
            title, value, source = kr.title, progress(kr.values), f"Key result of “{kr.goal.title}”"
        elif item.kind == ItemKind.GOAL and item.goal_id in goals:
            goal = goals[item.goal_id]
            counts = goal.state in (State.ACTIVE, State.CLOSED)
            title, value, source = goal.title, goal.progress if counts else None, "Goal"
        else:
            title, value, source = item.title or "A link that no longer exists", None, "Removed"
        figures.append(
            ItemFigures(item, title, weight, value, WeightedItem(weight, value).achieved, source)
        )
    return figures


def totals(figures: Sequence[ItemFigures]) -> SheetTotals:
    return sheet_totals(WeightedItem(f.weight, f.progress) for f in figures)
