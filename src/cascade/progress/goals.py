"""A goal's progress: the weighted mean of its contributors, and the explanation of it.

A goal's contributors are its own key results and the junior goals aligned under it.
``progress = Σ wᵢ·pᵢ / Σ wᵢ`` over the contributors that count. A contributor does not
count when it is a draft or archived goal, when its weight is 0, or when it has no progress
yet. A goal with no counting contributor has no progress (``None``), never a made-up 0.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from cascade.progress.keyresults import clamp


class ContributorKind(StrEnum):
    KEY_RESULT = "key_result"
    GOAL = "goal"


class GoalState(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    CLOSED = "closed"
    ARCHIVED = "archived"


# States whose progress flows into the goals above. A closed goal keeps counting with the
# progress it had when it was closed; drafts are not committed to yet, archived goals are gone.
COUNTING_STATES = frozenset({GoalState.ACTIVE, GoalState.CLOSED})
# States in which a goal's key results still move: check-ins, syncs, changes. A closed goal
# keeps the numbers it closed with, an archived one is gone.
OPEN_STATES = frozenset({GoalState.DRAFT, GoalState.ACTIVE})


@dataclass(frozen=True, slots=True)
class Contributor:
    kind: ContributorKind
    id: int
    progress: float | None
    weight: float
    state: GoalState = GoalState.ACTIVE  # key results have no state of their own

    @property
    def key(self) -> str:
        return f"{self.kind.value}:{self.id}"


@dataclass(frozen=True, slots=True)
class Share:
    """One contributor's part in a goal's progress.

    ``share`` is ``normalised_weight × progress``: the shares of a goal add up to its progress.
    """

    contributor: Contributor
    left_out: str | None  # why it does not count, or None when it does
    normalised_weight: float
    share: float


@dataclass(frozen=True, slots=True)
class Explanation:
    progress: float | None
    shares: tuple[Share, ...]

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready record, kept with each history row so that any past value can be explained."""
        return {
            "progress": self.progress,
            "contributors": [
                {
                    "kind": s.contributor.kind.value,
                    "id": s.contributor.id,
                    "progress": s.contributor.progress,
                    "weight": s.contributor.weight,
                    "state": s.contributor.state.value,
                    "left_out": s.left_out,
                    "normalised_weight": s.normalised_weight,
                    "share": s.share,
                }
                for s in self.shares
            ],
        }


def left_out_reason(contributor: Contributor) -> str | None:
    if contributor.state not in COUNTING_STATES:
        return f"{contributor.state.value} goal"
    if contributor.weight <= 0:
        return "weight 0"
    if contributor.progress is None:
        return "no progress yet"
    return None


def explain(contributors: Iterable[Contributor]) -> Explanation:
    """Progress of a goal from its contributors, with each contributor's share of it."""
    ordered = sorted(contributors, key=lambda c: (c.kind.value, c.id))
    reasons = [left_out_reason(c) for c in ordered]
    counted = [c for c, reason in zip(ordered, reasons, strict=True) if reason is None]
    # fsum is exactly rounded, so the result does not depend on the order of the terms:
    # an incremental update and a full recomputation always agree to the last bit.
    if not counted:
        return Explanation(
            None, tuple(Share(c, r, 0.0, 0.0) for c, r in zip(ordered, reasons, strict=True))
        )
    total_weight = math.fsum(c.weight for c in counted)
    shares = tuple(
        Share(
            contributor=c,
            left_out=reason,
            normalised_weight=0.0 if reason else c.weight / total_weight,
            share=0.0 if reason else c.weight * (c.progress or 0.0) / total_weight,
        )
        for c, reason in zip(ordered, reasons, strict=True)
    )
    weighted = math.fsum(c.weight * (c.progress or 0.0) for c in counted)
    return Explanation(clamp(weighted / total_weight), shares)


def goal_progress(contributors: Iterable[Contributor]) -> float | None:
    return explain(contributors).progress
