"""Every write to goals, key results, contributions and check-ins.

Each service is one transaction that: checks that everything belongs to the actor's
organisation (anything else is NotFound); parses its input; locks the rows it will change and
everything above them (``cascade.goals.rollup``); checks the actor's right on those fresh rows
(``cascade.permissions``) and the state rules; only then writes, updates the cached progress
above the change and records an audit event. Any refusal raises before the first write, and the
transaction leaves nothing behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError

from cascade import permissions
from cascade.audit.models import AuditEvent, EventKind
from cascade.audit.services import event as audit_event
from cascade.audit.services import record
from cascade.core import clock
from cascade.core.errors import Conflict, NotFound
from cascade.core.numbers import parse_confidence, parse_number, parse_weight
from cascade.core.text import LONG_TEXT, NOTE, clean_text, column_length
from cascade.core.transactions import atomic_with_retries
from cascade.goals import rollup
from cascade.goals.models import (
    CheckIn,
    Contribution,
    Goal,
    KeyResult,
    Outcome,
    Source,
    State,
    Visibility,
)
from cascade.orgs.models import Member, Period, Team
from cascade.progress import COUNTING_STATES, OPEN_STATES, Kind, progress, validation_errors

OWNER_ONLY = "Only the goal's owner or a super user may change this goal and its key results."
ALIGN_RULE = (
    "Only the owner of one of the two goals, or a super user, may change how they are aligned."
)
HAND_OVER_RULE = (
    "You may hand a goal only to yourself or, as a super user or their manager, to your people."
)
ACTIVE_NEEDS = "Add at least one key result or contributing goal before activating this goal."


# --------------------------------------------------------------------------- goals


def _goal_errors(
    *, visibility: str, period: Period, start_date: date | None, end_date: date | None
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if visibility not in Visibility.values:
        errors["visibility"] = "Choose public or private."
    starts = start_date or period.start
    ends = end_date or period.end
    if ends < starts:
        errors["end_date"] = "The goal cannot end before it starts."
    return errors


@atomic_with_retries
def create_goal(
    *,
    actor: Member,
    title: str,
    period: Period,
    owner: Member | None = None,
    team: Team | None = None,
    description: str = "",
    visibility: str = Visibility.PUBLIC,
    start_date: date | None = None,
    end_date: date | None = None,
    copied_from: Goal | None = None,
) -> Goal:
    """A new goal, in draft until it has a key result or a contributing goal."""
    owner = owner or actor
    permissions.require_same_organisation(actor, period, owner, team, copied_from)
    permissions.require(
        permissions.can_create_goal_for(actor, owner),
        "You may create goals for yourself; super users and managers may create them for their people.",
    )
    title = clean_text(title, "title", required=True)
    description = clean_text(description, "description", max_length=LONG_TEXT)
    errors = _goal_errors(
        visibility=visibility, period=period, start_date=start_date, end_date=end_date
    )
    if errors:
        raise ValidationError(errors)
    goal = Goal.objects.create(
        organisation_id=actor.organisation_id,
        title=title,
        description=description,
        owner=owner,
        team=team,
        period=period,
        visibility=visibility,
        start_date=start_date,
        end_date=end_date,
        copied_from=copied_from,
        created_by=actor,
    )
    data = {"title": title, "owner": owner.pk, "period": period.pk, "visibility": visibility}
    if copied_from is not None:
        data["copied_from"] = copied_from.pk
    record(
        organisation=actor.organisation_id,
        actor=actor,
        kind=EventKind.GOAL_CREATED,
        subject=goal,
        goal=goal,
        data=data,
    )
    return goal


EDITABLE_GOAL_FIELDS = {
    "title",
    "description",
    "owner",
    "team",
    "period",
    "visibility",
    "start_date",
    "end_date",
}


def _plain(value: Any) -> Any:
    """A JSON-ready form of a field value, for the audit trail."""
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, date | Decimal):
        return str(value)
    return value


@atomic_with_retries
def update_goal(*, actor: Member, goal: Goal, **changes: Any) -> Goal:
    """Change a goal's title, description, owner, team, period, visibility or dates."""
    unknown = set(changes) - EDITABLE_GOAL_FIELDS
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be changed here."))
    permissions.require_same_organisation(
        actor, goal, changes.get("owner"), changes.get("team"), changes.get("period")
    )
    goal = Goal.objects.select_for_update().select_related("period").get(pk=goal.pk)
    permissions.require(permissions.can_edit_goal(actor, goal), OWNER_ONLY)
    if goal.state == State.ARCHIVED:
        raise ValidationError("An archived goal cannot be edited; restore it first.")
    if "title" in changes:
        changes["title"] = clean_text(changes["title"], "title", required=True)
    if "description" in changes:
        changes["description"] = clean_text(
            changes["description"], "description", max_length=LONG_TEXT
        )
    new_owner = changes.get("owner")
    if "owner" in changes and new_owner is None:
        raise ValidationError({"owner": "A goal needs an owner."})
    if new_owner is not None and new_owner.pk != goal.owner_id:
        if not new_owner.is_active:
            raise ValidationError({"owner": "This person is no longer active."})
        # Handing a goal over follows the rule for creating one for that person.
        permissions.require(permissions.can_create_goal_for(actor, new_owner), HAND_OVER_RULE)
    if "period" in changes and changes["period"] is None:
        raise ValidationError({"period": "A goal needs a period."})
    errors = _goal_errors(
        visibility=changes.get("visibility", goal.visibility),
        period=changes.get("period", goal.period),
        start_date=changes.get("start_date", goal.start_date),
        end_date=changes.get("end_date", goal.end_date),
    )
    if errors:
        raise ValidationError(errors)
    diff = {
        name: [_plain(getattr(goal, name)), _plain(value)]
        for name, value in changes.items()
        if _plain(getattr(goal, name)) != _plain(value)
    }
    if not diff:
        return goal
    for name, value in changes.items():
        setattr(goal, name, value)
    goal.updated_at = clock.now()
    goal.save()
    record(
        organisation=actor.organisation_id,
        actor=actor,
        kind=EventKind.GOAL_CHANGED,
        subject=goal,
        goal=goal,
        data=diff,
    )
    return goal


def _has_contributors(
    goal: Goal, *, except_key_result: int | None = None, except_link: int | None = None
) -> bool:
    """Does the goal have a KR or a (non-archived) contributing goal, leaving one out?"""
    krs = KeyResult.objects.filter(goal=goal)
    links = Contribution.objects.filter(senior=goal).exclude(junior__state=State.ARCHIVED)
    if except_key_result is not None:
        krs = krs.exclude(pk=except_key_result)
    if except_link is not None:
        links = links.exclude(pk=except_link)
    return krs.exists() or links.exists()


def _lock_goal(actor: Member, goal: Goal) -> tuple[rollup.Scope, Goal]:
    """Lock a goal, its KRs and everything they feed, before a change of its state."""
    permissions.require_same_organisation(actor, goal)
    own_krs = list(KeyResult.objects.filter(goal_id=goal.pk).values_list("pk", flat=True))
    scope = rollup.lock(actor.organisation_id, key_results=own_krs, goals={goal.pk})
    goal = scope.goals[goal.pk]
    permissions.require(permissions.can_edit_goal(actor, goal), OWNER_ONLY)
    return scope, goal


def _require_state(goal: Goal, allowed: set[str], verb: str) -> None:
    if goal.state not in allowed:
        raise ValidationError(
            f"A goal that is {goal.get_state_display().lower()} cannot be {verb}."
        )


def _set_state(
    actor: Member,
    scope: rollup.Scope,
    goal: Goal,
    to: str,
    kind: EventKind,
    data: dict[str, Any] | None = None,
) -> Goal:
    """Save the goal's new state, update the progress of all it feeds, and record the change.

    Whatever the way in (activating, reopening, restoring), an active goal needs a KR or a
    contributing goal.
    """
    if to == State.ACTIVE and not _has_contributors(goal):
        raise ValidationError(ACTIVE_NEEDS)
    before = goal.state
    if to == State.ARCHIVED:
        goal.state_before_archive = before
    goal.state = to
    goal.updated_at = clock.now()
    goal.save()
    rollup.recompute(scope, cause=kind.value)
    record(
        organisation=actor.organisation_id,
        actor=actor,
        kind=kind,
        subject=goal,
        goal=goal,
        data={"state": [before, to], **(data or {})},
    )
    return goal


@atomic_with_retries
def activate_goal(*, actor: Member, goal: Goal) -> Goal:
    """Draft → active. A goal needs at least one KR or contributing goal to be active."""
    scope, goal = _lock_goal(actor, goal)
    _require_state(goal, {State.DRAFT}, "activated")
    return _set_state(actor, scope, goal, State.ACTIVE, EventKind.GOAL_ACTIVATED)


@atomic_with_retries
def close_goal(
    *, actor: Member, goal: Goal, score: object, outcome: str, retrospective: str = ""
) -> Goal:
    """Active → closed, with a score from 0.0 to 1.0, an outcome and a retrospective note.

    A closed goal's progress is frozen at its value when it was closed, and keeps counting
    with that value in the goals above it.
    """
    scope, goal = _lock_goal(actor, goal)
    errors: dict[str, str] = {}
    try:
        value = parse_number(score, "score", percent=True)
        if not Decimal(0) <= value <= Decimal(1):
            errors["score"] = "A score runs from 0 to 1 (0 % to 100 %)."
    except ValidationError as error:
        errors["score"] = error.message_dict["score"][0]
    if outcome not in Outcome.values:
        errors["outcome"] = "Say whether the goal was achieved, partially achieved or missed."
    if errors:
        raise ValidationError(errors)
    retrospective = clean_text(retrospective, "retrospective", max_length=LONG_TEXT)
    _require_state(goal, {State.ACTIVE}, "closed")
    goal.score = value.quantize(Decimal("0.01"))
    goal.outcome = outcome
    goal.retrospective = retrospective
    goal.closed_at = clock.now()
    return _set_state(
        actor,
        scope,
        goal,
        State.CLOSED,
        EventKind.GOAL_CLOSED,
        {"score": str(goal.score), "outcome": outcome},
    )


@atomic_with_retries
def reopen_goal(*, actor: Member, goal: Goal) -> Goal:
    """Closed → active. The score stays on record until the goal is closed again."""
    scope, goal = _lock_goal(actor, goal)
    _require_state(goal, {State.CLOSED}, "reopened")
    return _set_state(actor, scope, goal, State.ACTIVE, EventKind.GOAL_REOPENED)


@atomic_with_retries
def archive_goal(*, actor: Member, goal: Goal) -> Goal:
    """Hide a goal from rollups and lists without deleting anything."""
    scope, goal = _lock_goal(actor, goal)
    _require_state(goal, {State.DRAFT, State.ACTIVE, State.CLOSED}, "archived")
    return _set_state(actor, scope, goal, State.ARCHIVED, EventKind.GOAL_ARCHIVED)


@atomic_with_retries
def restore_goal(*, actor: Member, goal: Goal) -> Goal:
    """Archived → the state it had before it was archived."""
    scope, goal = _lock_goal(actor, goal)
    _require_state(goal, {State.ARCHIVED}, "restored")
    return _set_state(
        actor, scope, goal, goal.state_before_archive or State.DRAFT, EventKind.GOAL_RESTORED
    )


# --------------------------------------------------------------------------- key results


def _require_open(goal: Goal) -> None:
    if goal.state not in OPEN_STATES:
        raise ValidationError(
            f"This goal is {goal.state}: reopen or restore it before changing its key results."
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
    errors: dict[str, Any] = {}
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
            errors.update(error.message_dict)
    if not errors:
        errors.update(validation_errors(kind, values["start"], values["target"], direction))
    if rollup_into is not None:
        if rollup_into.kind != Kind.SUM:
            errors["rollup_into"] = "A key result can only add into a sum-of-children key result."
        elif rollup_into.unit != values["unit"]:
            errors["rollup_into"] = (
                f"Units differ: this is in “{values['unit']}”, the sum in “{rollup_into.unit}”."
            )
        elif this is not None and (
            rollup_into.pk == this.pk
            or KeyResult.objects.filter(pk=this.pk)
            .filter(pk__in=rollup.key_results_above([rollup_into.pk]))
            .exists()
        ):
            errors["rollup_into"] = "That would make the key result add into itself."
    if errors:
        raise ValidationError({k: errors[k] for k in sorted(errors)})
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
    rollup.recompute(scope, cause=EventKind.KEY_RESULT_ADDED.value)
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
        raise ValidationError(
            {"kind": "Key results add into this one: unlink them before changing its type."}
        )
    unit = clean_text(
        changes.get("unit", kr.unit), "unit", max_length=column_length(KeyResult, "unit")
    )
    if units != {unit}:
        raise ValidationError(
            {"unit": f"The key results that add into this one are in “{', '.join(sorted(units))}”."}
        )


@atomic_with_retries
def update_key_result(*, actor: Member, key_result: KeyResult, **changes: Any) -> KeyResult:
    unknown = set(changes) - EDITABLE_KR_FIELDS
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be changed here."))
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
        raise ValidationError(
            {"kind": "A key result with check-ins cannot change its kind; add a new one instead."}
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
    rollup.recompute(scope, cause=EventKind.KEY_RESULT_CHANGED.value)
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
        raise ValidationError(
            "This is the goal's last key result and nothing else contributes to it: "
            "add another key result or a contributing goal first, or archive the goal."
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
    rollup.recompute(scope, cause=EventKind.KEY_RESULT_REMOVED.value)
    record(
        organisation=actor.organisation_id,
        actor=actor,
        kind=EventKind.KEY_RESULT_REMOVED,
        subject=goal,
        goal=goal,
        data={"key_result": kr_id, **snapshot},
    )


# --------------------------------------------------------------------------- check-ins


@dataclass(frozen=True)
class _Entry:
    """One check-in's input, parsed before anything is locked."""

    key_result_id: int
    value: Decimal
    confidence: int | None
    note: str


def _parse_entry(
    actor: Member | None, key_result: KeyResult, value: object, confidence: object, note: str
) -> _Entry:
    if actor is not None:
        permissions.require_same_organisation(actor, key_result)
    return _Entry(
        key_result_id=key_result.pk,
        value=parse_number(value, "value", unit=key_result.unit),
        confidence=parse_confidence(confidence),
        note=clean_text(note, "note", max_length=NOTE),
    )


def _refusal(scope: rollup.Scope, actor: Member | None, entry: _Entry) -> None:
    """Raise if this check-in may not be saved, judged on the locked rows."""
    kr = scope.key_results.get(entry.key_result_id)
    if kr is None:
        raise NotFound("This key result no longer exists.")
    goal = scope.goals[kr.goal_id]
    if actor is not None:
        permissions.require(permissions.can_update_key_results(actor, goal), OWNER_ONLY)
    if goal.state not in OPEN_STATES:
        raise ValidationError(f"This goal is {goal.state}; reopen it to check in.")
    if kr.kind == Kind.SUM:
        raise ValidationError(
            {"value": "This key result adds up the key results linked under it; check in on those."}
        )
    if kr.kind == Kind.MILESTONE and entry.value not in (0, 1):
        raise ValidationError({"value": "A milestone is either done (1) or not done (0)."})


def _save_check_ins(
    scope: rollup.Scope,
    actor: Member | None,
    entries: list[_Entry],
    *,
    source: str,
    run_id: str = "",
) -> list[CheckIn]:
    """Save accepted check-ins and their key results' new values: a fixed number of queries
    however many there are. The caller recomputes the progress afterwards, once."""
    now = clock.now()
    check_ins, events = [], []
    goals: dict[int, Goal] = {}
    for entry in entries:
        kr = scope.key_results[entry.key_result_id]
        goal = goals.setdefault(kr.goal_id, scope.goals[kr.goal_id])
        check_ins.append(
            CheckIn(
                organisation_id=kr.organisation_id,
                key_result=kr,
                value=entry.value,
                confidence=entry.confidence,
                note=entry.note,
                author=actor,
                source=source,
                run_id=run_id,
                created_at=now,
            )
        )
        previous = kr.current
        kr.current = entry.value
        kr.last_checkin_at = now
        if entry.confidence is not None:
            kr.confidence = entry.confidence
            goal.confidence = entry.confidence
        goal.last_checkin_at = now
        events.append(
            {
                "key_result": kr.pk,
                "value": str(entry.value),
                "previous": _plain(previous),
                "unit": kr.unit,  # so the audit trail can say "11,580,000 €" as the value was meant
                "confidence": entry.confidence,
                "source": source,
            }
        )
    CheckIn.objects.bulk_create(check_ins)
    KeyResult.objects.bulk_update(
        [c.key_result for c in check_ins], ["current", "last_checkin_at", "confidence"]
    )
    Goal.objects.bulk_update(list(goals.values()), ["confidence", "last_checkin_at"])
    AuditEvent.objects.bulk_create(
        audit_event(
            organisation=checkin.organisation_id,
            actor=actor,
            kind=EventKind.CHECKED_IN,
            subject=checkin,
            goal=goals[checkin.key_result.goal_id],
            data=data,
        )
        for checkin, data in zip(check_ins, events, strict=True)
    )
    return check_ins


@atomic_with_retries
def check_in(
    *,
    actor: Member | None,
    key_result: KeyResult,
    value: object,
    confidence: object = None,
    note: str = "",
    source: str = Source.WEB,
    run_id: str = "",
) -> CheckIn:
    """Record a key result's new value and roll the change up the alignment graph.

    ``actor`` is None only for a data source's automatic update (``source="connector"``).
    """
    if actor is None and source != Source.CONNECTOR:
        raise PermissionDenied("Only a data source may check in without a person.")
    entry = _parse_entry(actor, key_result, value, confidence, note)
    if source not in Source.values:
        raise ValidationError({"source": "Unknown source."})
    scope = rollup.lock(key_result.organisation_id, key_results={key_result.pk})
    _refusal(scope, actor, entry)
    [checkin] = _save_check_ins(scope, actor, [entry], source=source, run_id=run_id)
    rollup.recompute(scope, cause=EventKind.CHECKED_IN.value)
    return checkin


@dataclass(frozen=True)
class Moved:
    """A goal a batch of check-ins touched: its progress before and after."""

    goal: Goal
    before: float | None
    after: float | None
    checked_in: bool  # it holds one of the key results checked in (else it lies above them)


@dataclass(frozen=True)
class Batch:
    check_ins: list[CheckIn]
    moved: list[Moved]  # the goals checked in and every goal above them, by title


def _errors_of(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {
            ("value" if field == NON_FIELD_ERRORS else field): messages
            for field, messages in error.message_dict.items()
        }
    return {"value": error.messages}


@atomic_with_retries
def check_in_many(
    *, actor: Member, entries: list[dict[str, Any]], source: str = Source.WEB
) -> Batch:
    """Several check-ins saved together, or none: the weekly one-screen check-in.

    Each entry holds the ``check_in`` arguments (``key_result``, ``value``, ``confidence``,
    ``note``). A refused entry refuses them all; its error names the key result in
    ``ValidationError.message_dict`` under ``"<kr id>.<field>"``. The union of what the entries
    can change is locked once and the progress recomputed once, so each goal gets one history
    row however many of its key results moved.
    """
    if source not in (Source.WEB, Source.API):
        raise ValidationError({"source": "A batch comes from the web or the API."})
    errors: dict[str, list[str]] = {}
    parsed: list[_Entry] = []
    for raw in entries:
        kr = raw["key_result"]
        if any(entry.key_result_id == kr.pk for entry in parsed):
            errors[f"{kr.pk}.value"] = ["This key result is in the batch twice."]
            continue
        try:
            parsed.append(
                _parse_entry(
                    actor, kr, raw.get("value"), raw.get("confidence"), raw.get("note", "")
                )
            )
        except ValidationError as error:
            for field, messages in _errors_of(error).items():
                errors[f"{kr.pk}.{field}"] = messages
    if errors:
        raise ValidationError(errors)
    if not parsed:
        return Batch(check_ins=[], moved=[])

    scope = rollup.lock(actor.organisation_id, key_results={e.key_result_id for e in parsed})
    before = {goal_id: goal.progress for goal_id, goal in scope.goals.items()}
    for entry in parsed:
        try:
            _refusal(scope, actor, entry)
        except ValidationError as error:
            for field, messages in _errors_of(error).items():
                errors[f"{entry.key_result_id}.{field}"] = messages
    if errors:
        raise ValidationError(errors)

    saved = _save_check_ins(scope, actor, parsed, source=source)
    checked = {scope.key_results[e.key_result_id].goal_id for e in parsed}
    rollup.recompute(scope, cause=EventKind.CHECKED_IN.value)
    moved = [
        Moved(goal, before[goal.pk], goal.progress, goal.pk in checked)
        for goal in sorted(scope.goals.values(), key=lambda g: (g.title.casefold(), g.pk))
    ]
    return Batch(check_ins=saved, moved=moved)


# --------------------------------------------------------------------------- contributions


def _lock_pair(actor: Member, junior: Goal, senior: Goal) -> tuple[rollup.Scope, Goal, Goal]:
    """Lock both goals and all above them (the junior's progress is read, the senior's changes)."""
    scope = rollup.lock(actor.organisation_id, goals={junior.pk, senior.pk})
    return scope, scope.goals[junior.pk], scope.goals[senior.pk]


@atomic_with_retries
def align_goal(*, actor: Member, junior: Goal, senior: Goal, weight: object = 1) -> Contribution:
    """Make ``junior`` contribute to ``senior`` with a weight; its progress then flows up."""
    permissions.require_same_organisation(actor, junior, senior)
    for goal in (junior, senior):
        if not permissions.can_view_goal(actor, goal):
            raise NotFound("No such goal.")  # private goals the actor may not see are not there
    if junior.pk == senior.pk:
        raise ValidationError({"senior_goal": "A goal cannot contribute to itself."})
    weight_value = parse_weight(weight)
    scope, junior, senior = _lock_pair(actor, junior, senior)
    permissions.require(permissions.can_align(actor, junior, senior), ALIGN_RULE)
    if State.ARCHIVED in (junior.state, senior.state):
        raise ValidationError(
            {"senior_goal": "Archived goals cannot be aligned; restore the goal first."}
        )
    if Contribution.objects.filter(junior=junior, senior=senior).exists():
        raise Conflict(
            {
                "senior_goal": "These goals are already aligned; change the weight of the link instead."
            }
        )
    # Checked under the locks, so two links that together would close a cycle cannot both pass.
    if Goal.objects.filter(pk=junior.pk, pk__in=rollup.goals_above([senior.pk])).exists():
        raise Conflict(
            {
                "senior_goal": f"“{senior.title}” already contributes to “{junior.title}”: this link would close a cycle."
            }
        )
    contribution = Contribution.objects.create(
        organisation_id=actor.organisation_id,
        junior=junior,
        senior=senior,
        weight=weight_value,
        created_by=actor,
    )
    rollup.recompute(scope, cause=EventKind.GOAL_ALIGNED.value)
    record(
        organisation=actor.organisation_id,
        actor=actor,
        kind=EventKind.GOAL_ALIGNED,
        subject=contribution,
        goal=senior,
        data={"junior": junior.pk, "senior": senior.pk, "weight": str(weight_value)},
    )
    return contribution


def _locked_contribution(
    actor: Member, contribution: Contribution
) -> tuple[rollup.Scope, Contribution]:
    permissions.require_same_organisation(actor, contribution)
    scope, junior, senior = _lock_pair(actor, contribution.junior, contribution.senior)
    locked = Contribution.objects.select_for_update().filter(pk=contribution.pk).first()
    if locked is None:
        raise NotFound("This link no longer exists.")
    permissions.require(permissions.can_align(actor, junior, senior), ALIGN_RULE)
    return scope, locked


@atomic_with_retries
def change_contribution_weight(
    *, actor: Member, contribution: Contribution, weight: object
) -> Contribution:
    permissions.require_same_organisation(actor, contribution)
    weight_value = parse_weight(weight)
    scope, contribution = _locked_contribution(actor, contribution)
    before = contribution.weight
    if before == weight_value:
        return contribution
    contribution.weight = weight_value
    contribution.save(update_fields=["weight"])
    rollup.recompute(scope, cause=EventKind.CONTRIBUTION_WEIGHT_CHANGED.value)
    record(
        organisation=actor.organisation_id,
        actor=actor,
        kind=EventKind.CONTRIBUTION_WEIGHT_CHANGED,
        subject=contribution,
        goal=scope.goals[contribution.senior_id],
        data={"junior": contribution.junior_id, "weight": [str(before), str(weight_value)]},
    )
    return contribution


@atomic_with_retries
def remove_contribution(*, actor: Member, contribution: Contribution) -> None:
    scope, contribution = _locked_contribution(actor, contribution)
    senior = scope.goals[contribution.senior_id]
    if senior.state == State.ACTIVE and not _has_contributors(senior, except_link=contribution.pk):
        raise ValidationError(
            "This is the only thing that contributes to the senior goal: "
            "give it a key result or another contributing goal first, or archive it."
        )
    data = {
        "junior": contribution.junior_id,
        "senior": contribution.senior_id,
        "weight": str(contribution.weight),
    }
    contribution.delete()
    rollup.recompute(scope, cause=EventKind.CONTRIBUTION_REMOVED.value)
    record(
        organisation=actor.organisation_id,
        actor=actor,
        kind=EventKind.CONTRIBUTION_REMOVED,
        subject=senior,
        goal=senior,
        data=data,
    )


@dataclass(frozen=True)
class Copied:
    copies: list[Goal]
    already_there: list[Goal]  # chosen, but copied into the period before (and not archived)


@atomic_with_retries
def copy_goals(*, actor: Member, goals: list[Goal], period: Period) -> Copied:
    """Carry unfinished goals into another period: same title, owner, team and KRs.

    A metric KR starts where the old one stands now, so the new goal measures what is left; its
    target stays. The copy contributes to the same senior goals when they run in the new period
    too, with the same weights. Copies with a KR or a link are activated; the originals are kept.
    A goal already carried into the period is not carried again (a double click, or two people
    copying the same team's goals): its earlier copy is reported instead.
    """
    permissions.require_same_organisation(actor, period, *goals)
    # Two people (or a double click) copying at once: the second waits here, then finds the
    # first one's copies.
    list(Goal.objects.select_for_update().filter(pk__in=[g.pk for g in goals]).order_by("pk"))
    for goal in goals:
        # The copy's key results are its owner's to add: the rule of editing the goal.
        permissions.require(
            permissions.can_edit_goal(actor, goal),
            f"Only the owner of “{goal.title}” or a super user may carry it into another period.",
        )
    errors = {}
    if any(goal.state not in COUNTING_STATES for goal in goals):
        errors["goals"] = "Only active or closed goals are carried into another period."
    if any(goal.period_id == period.pk for goal in goals):
        errors["period"] = "Choose another period than the one the goals are in."
    if errors:
        raise ValidationError(errors)
    copied_before = set(
        Goal.objects.filter(copied_from__in=goals, period=period)
        .exclude(state=State.ARCHIVED)
        .values_list("copied_from_id", flat=True)
    )
    copies, already_there = [], []
    for goal in goals:
        if goal.pk in copied_before:
            already_there.append(goal)
            continue
        copy = create_goal(
            actor=actor,
            title=goal.title,
            period=period,
            owner=goal.owner,
            team=goal.team,
            description=goal.description,
            visibility=goal.visibility,
            copied_from=goal,
        )
        for kr in KeyResult.objects.filter(goal=goal).order_by("position", "id"):
            # Measure what is left, unless the KR is already done: then measure it afresh.
            unfinished = (
                kr.kind == Kind.METRIC and kr.current is not None and progress(kr.values) < 1
            )
            carried_start = kr.current if unfinished else kr.start
            add_key_result(
                actor=actor,
                goal=copy,
                title=kr.title,
                kind=kr.kind,
                start=carried_start,
                target=kr.target,
                unit=kr.unit,
                direction=kr.direction,
                weight=kr.weight,
            )
        seniors = Contribution.objects.filter(
            junior=goal,
            senior__period__start__lte=period.end,
            senior__period__end__gte=period.start,
        ).exclude(senior__state=State.ARCHIVED)
        for link in seniors.select_related("senior"):
            align_goal(actor=actor, junior=copy, senior=link.senior, weight=link.weight)
        if _has_contributors(copy):
            copy = activate_goal(actor=actor, goal=copy)
        copies.append(copy)
    return Copied(copies, already_there)


@atomic_with_retries
def start_goal(
    *,
    actor: Member,
    key_result: dict[str, Any] | None = None,
    senior: Goal | None = None,
    weight: object = 1,
    **goal_fields: Any,
) -> Goal:
    """Create a goal with its first key result and its senior goal in one step, and activate it.

    A key result's errors are reported under ``"key_result.<field>"``, so that they do not mix
    with the goal's own fields (both have a title).
    """
    goal = create_goal(actor=actor, **goal_fields)
    if key_result:
        try:
            add_key_result(actor=actor, goal=goal, **key_result)
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                raise
            raise ValidationError(
                {f"key_result.{k}": v for k, v in error.message_dict.items()}
            ) from None
    if senior is not None:
        align_goal(actor=actor, junior=goal, senior=senior, weight=weight)
    if key_result or senior is not None:
        goal = activate_goal(actor=actor, goal=goal)
    return goal
