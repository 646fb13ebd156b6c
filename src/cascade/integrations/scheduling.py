"""Turning due bindings into queued sync runs, safely with any number of workers.

``enqueue_due_syncs`` is the periodic job ``integrations.due_syncs`` (registered in
``apps.py``, run by ``core.scheduler`` every round, in one worker per round). In one transaction it
locks the due bindings it can get (``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two
workers never wait for or take the same binding; SQLite serialises writers instead), moves each
one's ``next_run_at`` past now, and creates a run whose idempotency key names the slot
("schedule:<due time>", unique per binding) together with its task. Either all of that commits
or none of it: a slot is queued exactly once.

Bindings whose connection needs attention, or whose goal is closed or archived, are not due:
they wait, and sync as soon as they are fixed or reopened. A binding whose previous run has not
finished (it waits to retry, say) gets no second run; its slot passes. Before it, in the same
round, the job ``integrations.interrupted_runs`` closes the runs whose worker is gone
(``interruptions``), so their bindings are free again.

The scheduler's own slot makes one worker at a time run this job; the locks and the run's
idempotency key below keep a binding's slot queued once even without it (``enqueue_due_syncs``
called by hand, or a round that outlives its slot).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q

from cascade.core import clock
from cascade.integrations.models import (
    UNFINISHED,
    Binding,
    ConnectionStatus,
    SyncRun,
    Trigger,
)
from cascade.integrations.runs import sync_key_result
from cascade.progress import OPEN_STATES

logger = logging.getLogger(__name__)

BATCH = 100


def due_bindings(now: datetime) -> Q:
    return Q(
        next_run_at__lte=now,
        connection__status__in=[
            ConnectionStatus.OK,
            ConnectionStatus.UNTESTED,
            ConnectionStatus.FAILED,  # a failed test does not stop syncing; refused credentials do
        ],
        key_result__goal__state__in=OPEN_STATES,
    )


def next_slot(due: datetime, interval: timedelta, now: datetime) -> datetime:
    """The first slot after now on the binding's rhythm: missed slots are not caught up."""
    if due > now:
        return due
    missed = (now - due) // interval
    return due + (missed + 1) * interval


def enqueue_due_syncs(now: datetime | None = None, limit: int = BATCH) -> int:
    """Queue a run for every due binding this worker can lock. Returns how many it queued."""
    now = now or clock.now()
    queued = 0
    with transaction.atomic():
        due = list(
            Binding.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(due_bindings(now))
            .order_by("next_run_at", "id")[:limit]
        )
        for binding in due:
            slot = binding.next_run_at
            binding.next_run_at = next_slot(slot, timedelta(minutes=binding.interval_minutes), now)
            binding.save(update_fields=["next_run_at"])
            if SyncRun.objects.filter(binding=binding, status__in=UNFINISHED).exists():
                continue
            try:
                with transaction.atomic():
                    run = SyncRun.objects.create(
                        organisation_id=binding.organisation_id,
                        binding=binding,
                        idempotency_key=f"schedule:{slot.isoformat()}",
                        trigger=Trigger.SCHEDULE,
                        queued_at=now,
                    )
            except IntegrityError:
                continue  # this slot was queued before: it runs once
            sync_key_result.enqueue(run.pk)
            queued += 1
    return queued
