"""Runs whose worker is gone: closed as interrupted, queued again, their task rows closed.

A run records the worker that claimed it (``SyncRun.worker_id``). Every scheduling round of
every worker sweeps (``sweep``):

- A *running* run whose worker's heartbeat is older than ``CASCADE_WORKER_TIMEOUT`` (or gone)
  is closed as ``interrupted`` and a new run of the same binding is queued — at most
  ``MAX_INTERRUPTIONS`` interrupted runs in a row, so a sync that kills its worker every time
  (out of memory, say) stops and waits for the binding's next slot. A run claimed outside a
  worker (no heartbeat to go by) counts as interrupted after ``STALE_RUNNING``.
- A run *queued* or *waiting to retry* for ``STALE_WAITING`` lost its task: it fails, and the
  binding's next slot tries again.
- The django-tasks-db task a dead worker was running stays ``RUNNING`` forever (the library
  does not notice a killed worker): it is marked failed with ``WorkerLost``, through the
  library's own ``DBTaskResult.set_failed``, and the worker's heartbeat row goes.

Closing is a compare-and-set on the run's status, so an attempt that finishes meanwhile wins;
a worker that was only slow and answers later finds its run closed and records nothing
(``runs._lock``). Runs another worker is sweeping right now are skipped.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django_tasks_db.models import DBTaskResult

from cascade.core import clock
from cascade.integrations import heartbeats
from cascade.integrations.errors import ErrorKind
from cascade.integrations.models import Binding, RunStatus, SyncRun, WorkerHeartbeat

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


class WorkerLost(Exception):
    """The failure recorded on a task whose worker's heartbeat stopped while it ran it."""


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
    from cascade.integrations.tasks import sync_key_result

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


def fail_orphaned_tasks(now: datetime | None = None) -> int:
    """Mark failed the django-tasks-db tasks that dead workers were running; forget the dead."""
    now = now or clock.now()
    cutoff = now - heartbeats.timeout()
    dead = {worker.pk: worker for worker in WorkerHeartbeat.objects.filter(beat_at__lt=cutoff)}
    if not dead:
        return 0
    failed = 0
    with transaction.atomic():
        running = DBTaskResult.objects.running().select_for_update(skip_locked=True)
        for task in running:
            worker = dead.get(task.worker_ids[-1]) if task.worker_ids else None
            if worker is None:
                continue
            task.set_failed(
                WorkerLost(
                    f"Worker {worker.pk} ({worker.host}, pid {worker.pid}) stopped beating at "
                    f"{worker.beat_at.isoformat()} while it ran this task."
                )
            )
            failed += 1
        # Still dead: one that was only slow and beat again meanwhile keeps its row.
        WorkerHeartbeat.objects.filter(pk__in=dead, beat_at__lt=cutoff).delete()
    return failed


def sweep(now: datetime | None = None) -> int:
    """One round: close the runs of dead workers (and queue them again), then their tasks."""
    now = now or clock.now()
    closed = close_stale_runs(now)
    fail_orphaned_tasks(now)
    return closed
