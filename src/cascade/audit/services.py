"""Writing audit events. Every service calls ``record`` inside its own transaction."""

from typing import Any

from django.db import models

from cascade.audit.models import AuditEvent, EventKind
from cascade.orgs.models import Member, Organisation


def record(
    *,
    organisation: Organisation | int,
    actor: Member | None,
    kind: EventKind,
    subject: models.Model,
    goal: Any = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    organisation_id = organisation if isinstance(organisation, int) else organisation.pk
    return AuditEvent.objects.create(
        organisation_id=organisation_id,
        actor=actor,
        kind=kind,
        goal=goal,
        object_type=subject._meta.model_name or "",
        object_id=subject.pk,
        data=data or {},
    )
