"""From the audit trail to deliveries: the listener of ``audit.listeners``.

Inside the writer's transaction it only remembers the new events' ids (no query), and registers
one ``on_commit`` callback per transaction however many events it writes. After the commit that
callback asks once for the organisation's active endpoints (the one extra query of a write, none
while the transaction is open); with none it stops there. Otherwise it reads the events again
(so an event rolled back with a savepoint is not sent), stores one ``Delivery`` per subscribed
endpoint and queues their sends: one task per endpoint.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from django.db import transaction

from cascade.audit.models import AuditEvent
from cascade.core import clock
from cascade.webhooks.models import Delivery, Endpoint

_local = threading.local()


def recorded(events: Sequence[AuditEvent]) -> None:
    ids = [(e.pk, e.organisation_id) for e in events if e.pk is not None]
    if not ids:
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _flush(ids)
        return
    batch: _Batch | None = getattr(_local, "batch", None)
    # Reuse the batch while its callback waits in a block that is still open: it is in the
    # connection's list (a rollback drops it) and was registered outside every savepoint open now
    # or in one of them (not in a savepoint already released, as a test's transaction has many).
    open_savepoints = set(connection.savepoint_ids)
    if batch is None or not any(
        entry[1] is batch.flush and set(entry[0]) <= open_savepoints
        for entry in connection.run_on_commit
    ):
        batch = _Batch()
        _local.batch = batch
        transaction.on_commit(batch.flush, robust=True)  # a failure here must not fail the write
    batch.ids.extend(ids)


class _Batch:
    def __init__(self) -> None:
        self.ids: list[tuple[int, int]] = []
        self.flush: Callable[[], None] = self._flush

    def _flush(self) -> None:
        if getattr(_local, "batch", None) is self:
            _local.batch = None
        _flush(self.ids)


def _flush(recorded: list[tuple[int, int]]) -> None:
    from cascade.webhooks import tasks

    ids = [pk for pk, _ in recorded]
    organisations = {organisation for _, organisation in recorded}
    endpoints = list(
        Endpoint.objects.filter(organisation_id__in=organisations, active=True).only(
            "pk", "organisation_id", "kinds"
        )
    )
    if not endpoints:
        return
    now = clock.now()
    deliveries = [
        Delivery(
            organisation_id=event.organisation_id,
            endpoint=endpoint,
            event_id=event.pk,
            kind=event.kind,
            payload=payload(event),
            next_attempt_at=now,
            created_at=now,
        )
        for event in AuditEvent.objects.filter(pk__in=ids)
        .select_related("organisation")
        .order_by("pk")
        for endpoint in endpoints
        if endpoint.organisation_id == event.organisation_id and endpoint.subscribes(event.kind)
    ]
    if deliveries:
        Delivery.objects.bulk_create(deliveries)
        tasks.queue([(d.pk, d.endpoint.pk) for d in deliveries])


def payload(event: AuditEvent) -> dict[str, Any]:
    """The body of the message, in the Standard Webhooks shape: type, timestamp, data."""
    return {
        "type": event.kind,
        "timestamp": event.created_at.isoformat(),
        "data": {
            "id": event.pk,
            "organisation": event.organisation.slug,
            "actor": event.actor_id,
            "object_type": event.object_type,
            "object_id": event.object_id,
            "goal": event.goal_id,
            "data": event.data,
        },
    }
