"""Check-ins: a key result's new value, one at a time or the weekly several at once."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError

from cascade import permissions
from cascade.audit.models import AuditEvent, EventKind
from cascade.audit.services import event as audit_event
from cascade.core import clock
from cascade.core.errors import NotFound, by_field, combine, invalid
from cascade.core.numbers import parse_confidence, parse_number
from cascade.core.text import NOTE, clean_text
from cascade.core.transactions import atomic_with_retries
from cascade.goals import rollup
from cascade.goals.models import CheckIn, Goal, KeyResult, Source
from cascade.goals.services._shared import OWNER_ONLY, _plain
from cascade.orgs.models import Member
from cascade.progress import OPEN_STATES, Kind


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
        raise invalid(f"This goal is {goal.state}; reopen it to check in.", "goal_closed")
    if kr.kind == Kind.SUM:
        raise invalid(
            "This key result adds up the key results linked under it; check in on those.",
            "sum_check_in",
            "value",
        )
    if kr.kind == Kind.MILESTONE and entry.value not in (0, 1):
        raise invalid("A milestone is either done (1) or not done (0).", "milestone_value", "value")


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
        raise invalid("Unknown source.", "source_unknown", "source")
    scope = rollup.lock(key_result.organisation_id, key_results={key_result.pk})
    _refusal(scope, actor, entry)
    [checkin] = _save_check_ins(scope, actor, [entry], source=source, run_id=run_id)
    rollup.recompute(scope, cause=EventKind.CHECKED_IN.value, actor=actor)
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


def _errors_of(error: ValidationError) -> dict[str, list[ValidationError]]:
    return by_field(error, general="value")


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
        raise invalid("A batch comes from the web or the API.", "source_unknown", "source")
    errors: dict[str, ValidationError | list[ValidationError]] = {}
    parsed: list[_Entry] = []
    for raw in entries:
        kr = raw["key_result"]
        if any(entry.key_result_id == kr.pk for entry in parsed):
            errors[f"{kr.pk}.value"] = invalid(
                "This key result is in the batch twice.", "duplicate_entry"
            )
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
        raise combine(errors)
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
        raise combine(errors)

    saved = _save_check_ins(scope, actor, parsed, source=source)
    checked = {scope.key_results[e.key_result_id].goal_id for e in parsed}
    rollup.recompute(scope, cause=EventKind.CHECKED_IN.value, actor=actor)
    moved = [
        Moved(goal, before[goal.pk], goal.progress, goal.pk in checked)
        for goal in sorted(scope.goals.values(), key=lambda g: (g.title.casefold(), g.pk))
    ]
    return Batch(check_ins=saved, moved=moved)
