"""Turning due bindings into queued sync runs, safely with any number of workers.

Each ``cascade worker`` calls ``enqueue_due_syncs`` every few seconds. In one transaction it
locks the due bindings it can get (``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two
workers never wait for or take the same binding; SQLite serialises writers instead), moves each
one's ``next_run_at`` past now, and creates a run whose idempotency key names the slot
("schedule:<due time>", unique per binding) together with its task. Either all of that commits
or none of it: a slot is queued exactly once.

Bindings whose connection needs attention, or whose goal is closed or archived, are not due:
they wait, and sync as soon as they are fixed or reopened. A binding whose previous run has not
finished (it waits to retry, say) gets no second run; its slot passes.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q

from cascade.core import clock
from cascade.goals.models import State
from cascade.integrations.errors import ErrorKind
from cascade.integrations.models import (
    UNFINISHED,
    Binding,
    ConnectionStatus,
    RunStatus,
    SyncRun,
    Trigger,
)
from cascade.integrations.tasks import sync_key_result

logger = logging.getLogger(__name__)

BATCH = 100
# A run whose worker vanished (killed mid-sync, or its task lost) is closed after this long.
STALE_RUNNING = timedelta(minutes=30)
STALE_WAITING = timedelta(hours=6)


def due_bindings(now: datetime) -> Q:
    return Q(
        next_run_at__lte=now,
        connection__status__in=[ConnectionStatus.OK, ConnectionStatus.UNTESTED],
        key_result__goal__state__in=[State.DRAFT, State.ACTIVE],
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


INTERRUPTED = "The worker stopped before this sync finished; the next one will try again."


def close_stale_runs(now: datetime | None = None, limit: int = BATCH) -> int:
    """Fail the runs whose worker is gone, so that their bindings sync again.

    Each is closed only if it is still in the state that made it stale (a compare-and-set: an
    attempt that finishes meanwhile wins), and its binding's last error says why, so the owner
    sees it. A worker that was only slow and answers later finds its run closed and records
    nothing (``runs._lock``). Runs another worker is recording right now are skipped.
    """
    now = now or clock.now()
    stale = (
        Q(status=RunStatus.RUNNING, attempt_started_at__lt=now - STALE_RUNNING)
        | Q(status=RunStatus.QUEUED, queued_at__lt=now - STALE_WAITING)
        | Q(status=RunStatus.RETRYING, next_attempt_at__lt=now - STALE_WAITING)
    )
    closed = 0
    with transaction.atomic():
        runs = list(
            SyncRun.objects.select_for_update(skip_locked=True)
            .filter(stale)
            .order_by("id")
            .only("id", "binding_id")[:limit]
        )
        for run in runs:
            if not SyncRun.objects.filter(stale, pk=run.pk).update(
                status=RunStatus.FAILED,
                finished_at=now,
                error_kind=ErrorKind.INTERRUPTED.value,
                error=INTERRUPTED,
            ):
                continue
            closed += 1
            # The binding's state is its latest run's: a newer run's outcome is not overwritten.
            Binding.objects.filter(pk=run.binding_id).exclude(last_run__gt=run.pk).update(
                last_error=INTERRUPTED,
                last_error_kind=ErrorKind.INTERRUPTED.value,
                last_error_at=now,
                last_run=run,
            )
    if closed:
        logger.warning("Closed %s sync runs whose worker stopped", closed)
    return closed


def tick(now: datetime | None = None) -> int:
    """One round of the scheduler: close stale runs, queue the due ones."""
    close_stale_runs(now)
    return enqueue_due_syncs(now)
