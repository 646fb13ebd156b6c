"""Writing audit events. Every service calls ``record`` inside its own transaction."""

from typing import Any

from django.db import models

from cascade.audit.models import AuditEvent, EventKind
from cascade.orgs.models import Member, Organisation


def event(
    *,
    organisation: Organisation | int,
    actor: Member | None,
    kind: EventKind,
    subject: models.Model,
    goal: Any = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """An event not saved yet, for services that write many at once with ``bulk_create``."""
    organisation_id = organisation if isinstance(organisation, int) else organisation.pk
    return AuditEvent(
        organisation_id=organisation_id,
        actor=actor,
        kind=kind,
        goal=goal,
        object_type=subject._meta.model_name or "",
        object_id=subject.pk,
        data=data or {},
    )


def record(
    *,
    organisation: Organisation | int,
    actor: Member | None,
    kind: EventKind,
    subject: models.Model,
    goal: Any = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    audit_event = event(
        organisation=organisation, actor=actor, kind=kind, subject=subject, goal=goal, data=data
    )
    audit_event.save()
    return audit_event
