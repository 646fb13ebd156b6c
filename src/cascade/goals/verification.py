"""Recomputing every cached figure from the source records, to check (or repair) the caches.

The sources are the check-ins, the key results' definitions, the contributions and the goals'
states. The caches are ``KeyResult.current`` (the latest check-in, or the sum of the children)
and ``Goal.progress``. Closed goals are a source too: their progress was frozen when they closed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, Subquery

from cascade.audit.models import EventKind
from cascade.audit.services import record
from cascade.core import clock
from cascade.goals.models import CheckIn, Contribution, Goal, GoalProgress, KeyResult
from cascade.goals.rollup import key_result_values
from cascade.orgs.models import Organisation
from cascade.progress import GoalNode, GoalState, KeyResultNode, Kind, Link, evaluate, resolve_sums


@dataclass(frozen=True)
class Difference:
    organisation_id: int
    model: str  # "goal" or "key_result"
    id: int
    stored: object
    computed: object

    def __str__(self) -> str:
        return f"{self.model} {self.id} (organisation {self.organisation_id}): stored {self.stored}, computed {self.computed}"


def _same(a: float | Decimal | None, b: float | Decimal | None) -> bool:
    if a is None or b is None:
        return a is b
    return (
        math.isclose(float(a), float(b), rel_tol=0, abs_tol=1e-9)
        if isinstance(a, float)
        else a == b
    )


def _source_value(kr: Mapping[str, Any], goal_state: str) -> Decimal | None:
    """What a KR's value is made of: its latest check-in, or (for a sum) its children, except
    on a closed goal, whose sum froze when it closed."""
    if kr["kind"] != Kind.SUM:
        return kr["latest"]
    return kr["current"] if goal_state == GoalState.CLOSED else None


def recompute_organisation(
    organisation_id: int, *, lock: bool = False
) -> tuple[list[Difference], dict, dict]:
    """Full recomputation of one organisation. Returns the differences and the computed values."""
    key_results = KeyResult.objects.filter(organisation_id=organisation_id)
    goals = Goal.objects.filter(organisation_id=organisation_id)
    if lock:
        key_results = key_results.select_for_update().order_by("pk")
        goals = goals.select_for_update().order_by("pk")
    latest = (
        CheckIn.objects.filter(key_result=OuterRef("pk"))
        .order_by("-created_at", "-id")
        .values("value")[:1]
    )
    kr_rows = list(
        key_results.annotate(latest=Subquery(latest)).values(
            "id",
            "goal_id",
            "kind",
            "start",
            "target",
            "current",
            "direction",
            "weight",
            "rollup_into_id",
            "latest",
        )
    )
    goal_rows = {g["id"]: g for g in goals.values("id", "state", "progress")}
    nodes = {
        gid: GoalNode(gid, GoalState(g["state"]), g["progress"]) for gid, g in goal_rows.items()
    }
    links = [
        Link(row["junior_id"], row["senior_id"], float(row["weight"]))
        for row in Contribution.objects.filter(organisation_id=organisation_id).values(
            "junior_id", "senior_id", "weight"
        )
    ]
    from_sources = [
        KeyResultNode(
            kr["id"],
            kr["goal_id"],
            key_result_values(
                {**kr, "current": _source_value(kr, goal_rows[kr["goal_id"]]["state"])}
            ),
            float(kr["weight"]),
            kr["rollup_into_id"],
        )
        for kr in kr_rows
    ]
    resolved = resolve_sums(from_sources, {gid: node.state for gid, node in nodes.items()})
    explanations = evaluate(nodes, resolved, links)

    differences = [
        Difference(organisation_id, "key_result", node.id, kr["current"], node.values.current)
        for kr, node in zip(kr_rows, resolved, strict=True)
        if not _same(kr["current"], node.values.current)
    ]
    differences += [
        Difference(organisation_id, "goal", gid, goal_rows[gid]["progress"], explanation.progress)
        for gid, explanation in explanations.items()
        if not _same(goal_rows[gid]["progress"], explanation.progress)
    ]
    return differences, {n.id: n.values.current for n in resolved}, explanations


def verify(*, repair: bool = False) -> list[Difference]:
    """Differences between the caches and a full recomputation, in every organisation.

    With ``repair``, each organisation is fixed in its own transaction under row locks, and each
    repaired goal gets a history row with cause "repair".
    """
    found: list[Difference] = []
    for organisation_id in Organisation.objects.order_by("pk").values_list("pk", flat=True):
        if not repair:
            found += recompute_organisation(organisation_id)[0]
            continue
        with transaction.atomic():
            differences, currents, explanations = recompute_organisation(organisation_id, lock=True)
            found += differences
            if differences:
                _repair(organisation_id, differences, currents, explanations)
    return found


def _repair(
    organisation_id: int, differences: list[Difference], currents: dict, explanations: dict
) -> None:
    now = clock.now()
    for diff in differences:
        if diff.model == "key_result":
            KeyResult.objects.filter(pk=diff.id).update(current=currents[diff.id], updated_at=now)
        else:
            explanation = explanations[diff.id]
            Goal.objects.filter(pk=diff.id).update(
                progress=explanation.progress, progress_updated_at=now
            )
            GoalProgress.objects.create(
                organisation_id=organisation_id,
                goal_id=diff.id,
                at=now,
                progress=explanation.progress,
                cause="repair",
                explanation=explanation.as_dict(),
            )
    organisation = Organisation.objects.get(pk=organisation_id)
    record(
        organisation=organisation,
        actor=None,
        kind=EventKind.PROGRESS_REPAIRED,
        subject=organisation,
        data={"repaired": [f"{d.model}:{d.id}" for d in differences]},
    )
