"""Sync runs whose worker is gone: closed as interrupted, and queued again.

A run records the worker that claimed it (``SyncRun.worker_id``). The periodic job
``integrations.interrupted_runs`` (``close_stale_runs``, every round of the scheduler) closes:

- A *running* run whose worker's heartbeat is older than ``CASCADE_WORKER_TIMEOUT`` (or gone)
  is closed as ``interrupted`` and a new run of the same binding is queued — at most
  ``MAX_INTERRUPTIONS`` interrupted runs in a row, so a sync that kills its worker every time
  (out of memory, say) stops and waits for the binding's next slot. A run claimed outside a
  worker (no heartbeat to go by) counts as interrupted after ``STALE_RUNNING``.
- A run *queued* or *waiting to retry* for ``STALE_WAITING`` lost its task: it fails, and the
  binding's next slot tries again.

The django-tasks-db task a dead worker was running is core's to close (the job
``core.orphaned_tasks``: ``cascade.core.heartbeats.fail_orphaned_tasks``).

Closing is a compare-and-set on the run's status, so an attempt that finishes meanwhile wins;
a worker that was only slow and answers later finds its run closed and records nothing
(``runs._lock``). Runs another worker is sweeping right now are skipped.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q

from cascade.core import clock, heartbeats
from cascade.core.heartbeats import WorkerLost  # noqa: F401 (the failure of tasks queued before it moved to core)
from cascade.core.models import WorkerHeartbeat
from cascade.integrations.errors import ErrorKind
from cascade.integrations.models import Binding, RunStatus, SyncRun
from cascade.integrations.runs import sync_key_result

logger = logging.getLogger(__name__)

BATCH = 100
MAX_INTERRUPTIONS = 3  # in a row, for one binding; then it waits for its next slot
STALE_RUNNING = timedelta(minutes=30)  # runs claimed outside a worker: no heartbeat
STALE_WAITING = timedelta(hours=6)

STOPPED = "The worker running this sync stopped before it finished"
INTERRUPTED = f"{STOPPED}; a new sync is on its way."
GAVE_UP = f"{STOPPED}, {MAX_INTERRUPTIONS} times in a row; the next scheduled sync will try again."
REPLACED = f"{STOPPED}; Sync now started a new one."
LOST = "This sync waited too long for a worker; the next scheduled sync will try again."


def stale(now: datetime) -> Q:
    """Runs whose worker is gone. A subquery, not a list: the heartbeats are read by the very
    statement that closes the run, so a worker that registered and claimed since is seen."""
    beating = WorkerHeartbeat.objects.filter(beat_at__gte=now - heartbeats.timeout()).values("pk")
    return (
        Q(status=RunStatus.RUNNING)
        & (
            (~Q(worker_id="") & ~Q(worker_id__in=beating))
            | Q(worker_id="", attempt_started_at__lt=now - STALE_RUNNING)
        )
    ) | (
        Q(status=RunStatus.QUEUED, queued_at__lt=now - STALE_WAITING)
        | Q(status=RunStatus.RETRYING, next_attempt_at__lt=now - STALE_WAITING)
    )


def close_stale_runs(
    now: datetime | None = None,
    *,
    binding_id: int | None = None,
    retry: bool = True,
    limit: int = BATCH,
) -> int:
    """Close the runs whose worker is gone (of one binding, if given). Returns how many."""
    now = now or clock.now()
    closed = 0
    with transaction.atomic():
        runs = SyncRun.objects.select_for_update(skip_locked=True).filter(stale(now))
        if binding_id is not None:
            runs = runs.filter(binding_id=binding_id)
        for run in runs.order_by("id")[:limit]:
            closed += _close(run, now, retry=retry)
    if closed:
        logger.warning("Closed %s sync run%s whose worker stopped", closed, "s" * (closed != 1))
    return closed


def _close(run: SyncRun, now: datetime, *, retry: bool) -> int:
    if run.status != RunStatus.RUNNING:
        status, message, again = RunStatus.FAILED, LOST, False
    elif not retry:
        status, message, again = RunStatus.INTERRUPTED, REPLACED, False
    else:
        again = _interruptions_in_a_row(run) < MAX_INTERRUPTIONS
        status, message = RunStatus.INTERRUPTED, INTERRUPTED if again else GAVE_UP
    if not SyncRun.objects.filter(stale(now), pk=run.pk).update(
        status=status,
        finished_at=now,
        error_kind=ErrorKind.INTERRUPTED.value,
        error=message,
    ):
        return 0  # it finished meanwhile
    latest = _queue_again(run, now) if again else run
    # The binding's state is its latest run's: a newer run's outcome is not overwritten.
    Binding.objects.filter(pk=run.binding_id).exclude(last_run__gt=run.pk).update(
        last_error=message,
        last_error_kind=ErrorKind.INTERRUPTED.value,
        last_error_at=now,
        last_run=latest,
    )
    return 1


def _interruptions_in_a_row(run: SyncRun) -> int:
    """How many of the binding's runs up to this one were interrupted in a row, this one too."""
    earlier = SyncRun.objects.filter(binding_id=run.binding_id, pk__lt=run.pk).order_by("-pk")
    statuses = earlier.values_list("status", flat=True)[: MAX_INTERRUPTIONS - 1]
    count = 1
    for status in statuses:
        if status != RunStatus.INTERRUPTED:
            break
        count += 1
    return count


def _queue_again(run: SyncRun, now: datetime) -> SyncRun:
    try:
        with transaction.atomic():
            again = SyncRun.objects.create(
                organisation_id=run.organisation_id,
                binding_id=run.binding_id,
                idempotency_key=f"retry:{run.pk}",  # unique per binding: queued once
                trigger=run.trigger,
                requested_by_id=run.requested_by_id,
                queued_at=now,
            )
    except IntegrityError:
        return run
    sync_key_result.enqueue(again.pk)
    return again
