"""Check-ins: a key result's new value, one at a time or the weekly several at once."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction

from cascade import permissions
from cascade.audit.models import EventKind
from cascade.audit.services import record
from cascade.core import clock
from cascade.core.errors import NotFound
from cascade.core.numbers import parse_confidence, parse_number
from cascade.core.text import NOTE, clean_text
from cascade.core.transactions import atomic_with_retries
from cascade.goals import rollup
from cascade.goals.models import CheckIn, KeyResult, Source
from cascade.goals.services._shared import OWNER_ONLY, _plain
from cascade.orgs.models import Member
from cascade.progress import OPEN_STATES, Kind


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
    if actor is not None:
        permissions.require_same_organisation(actor, key_result)
    number = parse_number(value, "value", unit=key_result.unit)
    confidence_value = parse_confidence(confidence)
    note = clean_text(note, "note", max_length=NOTE)
    if source not in Source.values:
        raise ValidationError({"source": "Unknown source."})

    scope = rollup.lock(key_result.organisation_id, key_results={key_result.pk})
    kr = scope.key_results.get(key_result.pk)
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
    if kr.kind == Kind.MILESTONE and number not in (0, 1):
        raise ValidationError({"value": "A milestone is either done (1) or not done (0)."})

    now = clock.now()
    previous = kr.current
    checkin = CheckIn.objects.create(
        organisation_id=kr.organisation_id,
        key_result=kr,
        value=number,
        confidence=confidence_value,
        note=note,
        author=actor,
        source=source,
        run_id=run_id,
        created_at=now,
    )
    kr.current = number
    kr.last_checkin_at = now
    if confidence_value is not None:
        kr.confidence = confidence_value
        goal.confidence = confidence_value
    kr.save(update_fields=["current", "last_checkin_at", "confidence"])
    goal.last_checkin_at = now
    goal.save(update_fields=["confidence", "last_checkin_at"])
    rollup.recompute(scope, cause=EventKind.CHECKED_IN.value)
    record(
        organisation=kr.organisation_id,
        actor=actor,
        kind=EventKind.CHECKED_IN,
        subject=checkin,
        goal=goal,
        data={
            "key_result": kr.pk,
            "value": str(number),
            "previous": _plain(previous),
            "unit": kr.unit,  # so the audit trail can say "11,580,000 €" as the value was meant
            "confidence": confidence_value,
            "source": source,
        },
    )
    return checkin


@atomic_with_retries
def check_in_many(*, actor: Member, entries: list[dict[str, Any]]) -> list[CheckIn]:
    """Several check-ins saved together, or none: the weekly one-screen check-in.

    Each entry holds the ``check_in`` arguments (``key_result``, ``value``, ``confidence``,
    ``note``). A refused entry refuses them all; its error names the key result in
    ``ValidationError.message_dict`` under ``"<kr id>.<field>"``.
    """
    saved = []
    errors: dict[str, list[str]] = {}
    for entry in entries:
        kr = entry["key_result"]
        try:
            with transaction.atomic():
                saved.append(check_in(actor=actor, **entry))
        except ValidationError as error:
            for field, messages in (
                error.message_dict if hasattr(error, "error_dict") else {"value": error.messages}
            ).items():
                errors[f"{kr.pk}.{'value' if field == NON_FIELD_ERRORS else field}"] = messages
    if errors:
        raise ValidationError(errors)
    return saved
