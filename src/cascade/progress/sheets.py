"""Weighted goal sheets and review scores (DESIGN §3, performance management).

A person's goal sheet holds items with weights. The weights are the sheet's measuring stick:
their sum is the *total target value*, and each item achieves ``weight × progress`` of it.

    achieved = Σ weightᵢ · progressᵢ        total target = Σ weightᵢ        percent = achieved / total

An item's progress is its own (a start → target measure, by the metric rule) or, for a linked
key result or goal, that one's progress, live.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from cascade.core import formatting
from cascade.progress.keyresults import Problem, clamp


@dataclass(frozen=True, slots=True)
class WeightedItem:
    weight: float
    progress: float | None  # None: no progress yet, which achieves nothing

    @property
    def achieved(self) -> float:
        return self.weight * clamp(self.progress or 0.0)


@dataclass(frozen=True, slots=True)
class SheetTotals:
    total_target: float
    achieved: float
    percent: float | None  # None when the sheet has no weight at all


def sheet_totals(items: Iterable[WeightedItem]) -> SheetTotals:
    listed = list(items)
    total = math.fsum(item.weight for item in listed)
    achieved = math.fsum(item.achieved for item in listed)
    return SheetTotals(total, achieved, achieved / total if total > 0 else None)


def rated_mean(pairs: Iterable[tuple[float | None, float]]) -> float | None:
    """The weighted mean of ratings, once every one that carries weight is given.

    A score that counts only the ratings given so far would read 5.0 after the first of ten
    competencies: it stays None until the assessor has rated everything (zero weights aside).
    """
    weighted = [(value, weight) for value, weight in pairs if weight > 0]
    if not weighted or any(value is None for value, _ in weighted):
        return None
    total = math.fsum(weight for _, weight in weighted)
    return math.fsum(value * weight for value, weight in weighted if value is not None) / total


def overall_score(
    competencies: float | None,
    goals: float | None,
    *,
    goals_count: bool,
    goals_weight: float,
    competencies_weight: float,
) -> float | None:
    """The review's overall score on the rating scale.

    When goals count (the organisation includes them and the sheet has weighted goals):
    ``goals × goals_weight + competencies × competencies_weight``, once both parts are scored.
    Otherwise competencies count for everything: a reviewee with nothing on their goal sheet is
    still scored.
    """
    if not goals_count:
        return competencies
    if competencies is None or goals is None:
        return None
    return goals * goals_weight + competencies * competencies_weight


def split_errors(goals_weight: Decimal, competencies_weight: Decimal) -> dict[str, Problem]:
    """What is wrong with a goals / competencies split, if anything. They must sum to 1."""
    errors: dict[str, Problem] = {}
    for name, value in (
        ("goals_weight", goals_weight),
        ("competencies_weight", competencies_weight),
    ):
        if not Decimal(0) <= value <= Decimal(1):
            errors[name] = Problem("A weight runs from 0 to 1.", "split_range")
    if not errors and goals_weight + competencies_weight != Decimal(1):
        errors["competencies_weight"] = Problem(
            "The goals and competencies weights must add up to 1 "
            f"(now {formatting.weight(goals_weight + competencies_weight)}).",
            code="split_sum",
        )
    return errors


def rating_bounds_errors(values: Sequence[int]) -> dict[str, Problem]:
    """A rating scale needs at least two levels with distinct values."""
    if len(values) < 2:
        return {"scale": Problem("A rating scale needs at least two levels.", "scale_too_short")}
    if len(set(values)) != len(values):
        return {
            "scale": Problem(
                "Each level of the rating scale needs its own value.", "scale_duplicate"
            )
        }
    return {}
