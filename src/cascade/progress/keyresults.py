"""How far a key result has come: attainment and progress for every kind of KR.

Values are ``Decimal`` (measured quantities are never rounded to integers or floats
on the way in); progress and attainment are ``float`` fractions, because they are
ratios that feed weighted averages.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class Kind(StrEnum):
    METRIC = "metric"  # start → target; lower is better when target < start
    MILESTONE = "milestone"  # done or not done
    THRESHOLD = "threshold"  # stay above / below a line
    SUM = "sum"  # a metric whose current value is the sum of the KRs linked under it


class Direction(StrEnum):
    """Which side of a threshold's line is the good side (the line itself counts as good)."""

    ABOVE = "above"
    BELOW = "below"


@dataclass(frozen=True, slots=True)
class KeyResultValues:
    """What the progress rules need to know about a key result.

    ``current`` is ``None`` until the first check-in; the rules then read it as ``start``.
    For a threshold, ``target`` is the line and ``direction`` says which side is good.
    For a milestone, a current value of 1 means done.
    """

    kind: Kind
    start: Decimal
    target: Decimal
    current: Decimal | None = None
    direction: Direction | None = None

    @property
    def effective_current(self) -> Decimal:
        return self.start if self.current is None else self.current


def clamp(value: float) -> float:
    return min(1.0, max(0.0, value))


def attainment(kr: KeyResultValues) -> float:
    """The raw degree of attainment: 1.5 means the target was exceeded by half the way.

    Only metrics (and sums, which are metrics) can go below 0 or above 1; a milestone or a
    threshold is either met (1) or not (0).
    """
    current = kr.effective_current
    match kr.kind:
        case Kind.METRIC | Kind.SUM:
            if kr.target == kr.start:
                raise ValueError("a metric key result needs a target different from its start")
            # Signed on purpose: moving away from the target is negative progress, never abs().
            return float((current - kr.start) / (kr.target - kr.start))
        case Kind.MILESTONE:
            return 1.0 if current >= 1 else 0.0
        case Kind.THRESHOLD:
            if kr.direction is Direction.BELOW:
                return 1.0 if current <= kr.target else 0.0
            return 1.0 if current >= kr.target else 0.0
    raise ValueError(f"unknown key result kind {kr.kind!r}")  # pragma: no cover


def progress(kr: KeyResultValues) -> float:
    """Attainment clamped to [0, 1]: the part of a KR that rolls up into its goal."""
    return clamp(attainment(kr))


def sum_of_children(children: Iterable[KeyResultValues]) -> Decimal | None:
    """The current value of a sum-of-children KR: the children's current values added up.

    A child with no check-in yet counts with its start value. With no counting child
    there is no value yet (``None``), so the sum KR reads as its own start, not as 0.
    """
    values = [child.effective_current for child in children]
    if not values:
        return None
    return sum(values, Decimal(0))


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a key result definition is refused: ``message`` for people, a stable ``code``."""

    message: str
    code: str


def validation_errors(
    kind: Kind | str,
    start: Decimal,
    target: Decimal,
    direction: Direction | str | None,
) -> dict[str, Problem]:
    """Field → problem for a key result definition that the rules cannot work with."""
    errors: dict[str, Problem] = {}
    try:
        kind = Kind(kind)
    except ValueError:
        return {
            "kind": Problem(f"Choose one of: {', '.join(k.value for k in Kind)}.", "kind_unknown")
        }
    if kind in (Kind.METRIC, Kind.SUM) and start == target:
        errors["target"] = Problem(
            "The target must differ from the start value, or there is nothing to measure.",
            code="target_equals_start",
        )
    if kind is Kind.MILESTONE and (start, target) != (0, 1):
        errors["target"] = Problem(
            "A milestone goes from 0 (not done) to 1 (done).", code="milestone_value"
        )
    if kind is Kind.THRESHOLD:
        try:
            Direction(direction or "")
        except ValueError:
            errors["direction"] = Problem(
                "Say whether the value must stay above or below the threshold.",
                code="direction_required",
            )
    elif direction:
        errors["direction"] = Problem(
            "Only a threshold key result has a direction.", code="direction_not_allowed"
        )
    return errors
