"""Adding, changing and removing a goal's key results."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from cascade import permissions
from cascade.audit.models import EventKind
from cascade.audit.services import record
from cascade.core import clock
from cascade.core.errors import NotFound, by_field, combine, invalid, invalid_fields
from cascade.core.numbers import parse_number, parse_weight
from cascade.core.text import clean_text, column_length
from cascade.core.transactions import atomic_with_retries
from cascade.goals import rollup
from cascade.goals.models import CheckIn, Goal, KeyResult, State
from cascade.goals.services._shared import OWNER_ONLY, _has_contributors, _plain
from cascade.orgs.models import Member
from cascade.progress import OPEN_STATES, Kind, validation_errors


def _require_open(goal: Goal) -> None:
    if goal.state not in OPEN_STATES:
        raise invalid(
            f"This goal is {goal.state}: reopen or restore it before changing its key results.",
            "goal_closed",
        )


def _definition(
    *,
    kind: str,
    start: object,
    target: object,
    direction: str,
    unit: str,
    rollup_into: KeyResult | None,
    this: KeyResult | None = None,
) -> dict[str, Any]:
    """Validated key result definition fields, or a ValidationError with every problem found."""
    errors: dict[str, ValidationError | list[ValidationError]] = {}
    values: dict[str, Any] = {
        "kind": kind,
        "direction": direction or "",
        "unit": clean_text(unit, "unit", max_length=column_length(KeyResult, "unit")),
    }
    if kind == Kind.MILESTONE:
        start, target = (
            (start if start not in (None, "") else 0),
            (target if target not in (None, "") else 1),
        )
    for name, raw in (("start", start), ("target", target)):
        try:
            values[name] = parse_number(raw, name, unit=values["unit"])
        except ValidationError as error:
            errors.update(by_field(error))
    if not errors:
        problems = validation_errors(kind, values["start"], values["target"], direction)
        errors.update({name: invalid(p.message, p.code) for name, p in problems.items()})
    if rollup_into is not None:
        if rollup_into.kind != Kind.SUM:
            errors["rollup_into"] = invalid(
                "A key result can only add into a sum-of-children key result.", "rollup_not_sum"
            )
        elif rollup_into.unit != values["unit"]:
            errors["rollup_into"] = invalid(
                f"Units differ: this is in “{values['unit']}”, the sum in “{rollup_into.unit}”.",
                "unit_mismatch",
            )
        elif this is not None and (
            rollup_into.pk == this.pk
            or KeyResult.objects.filter(pk=this.pk)
            .filter(pk__in=rollup.key_results_above([rollup_into.pk]))
            .exists()
        ):
            errors["rollup_into"] = invalid(
                "That would make the key result add into itself.", "cycle"
            )
    if errors:
        raise combine({k: errors[k] for k in sorted(errors)})
    values["rollup_into"] = rollup_into
    return values


@atomic_with_retries
def add_key_result(
    *,
    actor: Member,
    goal: Goal,
    title: str,
    target: object = None,
    kind: str = Kind.METRIC,
    start: object = 0,
    unit: str = "",
    direction: str = "",
    weight: object = 1,
    rollup_into: KeyResult | None = None,
) -> KeyResult:
    permissions.require_same_organisation(actor, goal, rollup_into)
    # Decide on the locked rows, not on the caller's copies: the goal may have changed hands or
    # state since the caller read it.
    parents = {rollup_into.pk} if rollup_into is not None else set()
    scope = rollup.lock(actor.organisation_id, key_results=parents, goals={goal.pk})
    goal = scope.goals[goal.pk]
    permissions.require(permissions.can_update_key_results(actor, goal), OWNER_ONLY)
    _require_open(goal)
    title = clean_text(title, "title", required=True)
    definition = _definition(
        kind=kind,
        start=start,
        target=target,
        direction=direction,
        unit=unit,
        rollup_into=scope.key_results.get(rollup_into.pk) if rollup_into is not None else None,
    )
    weight_value = parse_weight(weight)
    position = KeyResult.objects.filter(goal=goal).count()
    kr = KeyResult.objects.create(
        organisation_id=actor.organisation_id,
        goal=goal,
        title=title,
        weight=weight_value,
        position=position,
        **definition,
    )
    scope.key_results[kr.pk] = kr
    rollup.recompute(scope, cause=EventKind.KEY_RESULT_ADDED.value, actor=actor)
    record(
        organisation=actor.organisation_id,
        actor=actor,
        kind=EventKind.KEY_RESULT_ADDED,
        subject=kr,
        goal=goal,
        data={
            "title": title,
            **{k: _plain(v) for k, v in definition.items()},
            "weight": str(weight_value),
        },
    )
    return kr


EDITABLE_KR_FIELDS = {
    "title",
    "kind",
    "start",
    "target",
    "unit",
    "direction",
    "weight",
    "rollup_into",
}


def _check_sum_keeps_its_children(kr: KeyResult, changes: dict[str, Any]) -> None:
    """A sum with key results linked under it stays a sum, in their unit."""
    units = set(KeyResult.objects.filter(rollup_into=kr).values_list("unit", flat=True))
    if not units:
        return
    if changes.get("kind", kr.kind) != Kind.SUM:
        raise invalid(
            "Key results add into this one: unlink them before changing its type.",
            "sum_has_children",
            "kind",
        )
    unit = clean_text(
        changes.get("unit", kr.unit), "unit", max_length=column_length(KeyResult, "unit")
    )
    if units != {unit}:
        raise invalid(
            f"The key results that add into this one are in “{', '.join(sorted(units))}”.",
            "unit_mismatch",
            "unit",
        )


@atomic_with_retries
def update_key_result(*, actor: Member, key_result: KeyResult, **changes: Any) -> KeyResult:
    unknown = set(changes) - EDITABLE_KR_FIELDS
    if unknown:
        raise invalid_fields(
            dict.fromkeys(sorted(unknown), ("This field cannot be changed here.", "not_editable"))
        )
    new_parent = changes.get("rollup_into")
    permissions.require_same_organisation(actor, key_result, new_parent)
    lock_ids = {key_result.pk} | ({new_parent.pk} if new_parent else set())
    scope = rollup.lock(actor.organisation_id, key_results=lock_ids)
    kr = scope.key_results.get(key_result.pk)
    if kr is None:
        raise NotFound("This key result no longer exists.")
    goal = scope.goals[kr.goal_id]
    permissions.require(permissions.can_update_key_results(actor, goal), OWNER_ONLY)
    _require_open(goal)
    if (
        "kind" in changes
        and changes["kind"] != kr.kind
        and CheckIn.objects.filter(key_result=kr).exists()
    ):
        raise invalid(
            "A key result with check-ins cannot change its kind; add a new one instead.",
            "kind_has_check_ins",
            "kind",
        )
    if kr.kind == Kind.SUM:
        _check_sum_keeps_its_children(kr, changes)
    title = clean_text(changes.get("title", kr.title), "title", required=True)
    definition = _definition(
        kind=changes.get("kind", kr.kind),
        start=changes.get("start", kr.start),
        target=changes.get("target", kr.target),
        direction=changes.get("direction", kr.direction),
        unit=changes.get("unit", kr.unit),
        rollup_into=changes.get("rollup_into", kr.rollup_into),
        this=kr,
    )
    weight_value = parse_weight(changes.get("weight", kr.weight))
    new = {"title": title, "weight": weight_value, **definition}
    diff = {
        name: [_plain(getattr(kr, name)), _plain(value)]
        for name, value in new.items()
        if name in changes and _plain(getattr(kr, name)) != _plain(value)
    }
    if not diff:
        return kr
    for name, value in new.items():
        setattr(kr, name, value)
    kr.updated_at = clock.now()
    kr.save()
    rollup.recompute(scope, cause=EventKind.KEY_RESULT_CHANGED.value, actor=actor)
    record(
        organisation=actor.organisation_id,
        actor=actor,
        kind=EventKind.KEY_RESULT_CHANGED,
        subject=kr,
        goal=goal,
        data=diff,
    )
    return kr


@atomic_with_retries
def remove_key_result(*, actor: Member, key_result: KeyResult) -> None:
    """Delete a key result and its check-ins. An active goal must keep at least one contributor."""
    permissions.require_same_organisation(actor, key_result)
    scope = rollup.lock(actor.organisation_id, key_results={key_result.pk})
    kr = scope.key_results.pop(key_result.pk, None)
    if kr is None:
        raise NotFound("This key result no longer exists.")
    goal = scope.goals[kr.goal_id]
    permissions.require(permissions.can_update_key_results(actor, goal), OWNER_ONLY)
    _require_open(goal)
    if goal.state == State.ACTIVE and not _has_contributors(goal, except_key_result=kr.pk):
        raise invalid(
            "This is the goal's last key result and nothing else contributes to it: "
            "add another key result or a contributing goal first, or archive the goal.",
            "last_contributor",
        )
    snapshot = {
        "title": kr.title,
        "kind": kr.kind,
        "start": str(kr.start),
        "target": str(kr.target),
        "current": _plain(kr.current),
        "checkins": CheckIn.objects.filter(key_result=kr).count(),
    }
    kr_id = kr.pk
    kr.delete()
    rollup.recompute(scope, cause=EventKind.KEY_RESULT_REMOVED.value, actor=actor)
    record(
        organisation=actor.organisation_id,
        actor=actor,
        kind=EventKind.KEY_RESULT_REMOVED,
        subject=goal,
        goal=goal,
        data={"key_result": kr_id, **snapshot},
    )
