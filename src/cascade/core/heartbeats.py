"""Worker heartbeats: how the other workers know that a ``cascade worker`` is still alive.

Each worker process has a ``WorkerHeartbeat`` row, written before it claims its first task and
updated by a thread every few seconds (a third of the timeout, at most five seconds) — also
while a slow task holds the worker's main thread, so a slow task is never taken for a dead
worker. A worker that stops cleanly deletes its row; one that is killed leaves it behind, and
once its beat is older than ``CASCADE_WORKER_TIMEOUT`` seconds (default 90) it counts as gone:

- ``fail_orphaned_tasks`` (the periodic job ``core.orphaned_tasks``) marks failed the
  django-tasks-db tasks it was running — the library does not notice a killed worker, and its
  task rows would stay ``RUNNING`` for ever — and then deletes the dead worker's row;
- each app closes what the worker was doing for it (the data sources' sync runs:
  ``integrations.interruptions``), reading ``timeout()`` and the rows here.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import datetime, timedelta

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django_tasks_db.models import DBTaskResult

from cascade.core import clock
from cascade.core.models import WorkerHeartbeat

logger = logging.getLogger(__name__)


class WorkerLost(Exception):
    """The failure recorded on a task whose worker's heartbeat stopped while it ran it."""


DEFAULT_TIMEOUT = 90.0


def timeout() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "CASCADE_WORKER_TIMEOUT", DEFAULT_TIMEOUT)))


def every() -> float:
    """Seconds between beats: three beats may be missed before a worker counts as gone."""
    return min(5.0, timeout().total_seconds() / 3)


def register(worker_id: str) -> WorkerHeartbeat:
    now = clock.now()
    heartbeat, _ = WorkerHeartbeat.objects.update_or_create(
        pk=worker_id,
        defaults={
            "host": socket.gethostname()[:255],
            "pid": os.getpid(),
            "started_at": now,
            "beat_at": now,
        },
    )
    return heartbeat


def beat(worker_id: str) -> None:
    # A worker that was only slow to beat, and swept meanwhile, registers again.
    if not WorkerHeartbeat.objects.filter(pk=worker_id).update(beat_at=clock.now()):
        register(worker_id)


def forget(worker_id: str) -> None:
    WorkerHeartbeat.objects.filter(pk=worker_id).delete()


class Heart(threading.Thread):
    """Beats for one worker until stopped; then deletes its row (a clean stop)."""

    def __init__(self, worker_id: str) -> None:
        super().__init__(name="cascade-heartbeat", daemon=True)
        self.worker_id = worker_id
        self.stopping = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopping.wait(every()):
                close_old_connections()
                try:
                    beat(self.worker_id)
                except Exception:  # a missed beat is logged; the next one tries again
                    logger.exception("The heartbeat of worker %s failed", self.worker_id)
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopping.set()
        self.join()


def fail_orphaned_tasks(now: datetime | None = None) -> int:
    """Mark failed the django-tasks-db tasks that dead workers were running; forget the dead."""
    now = now or clock.now()
    cutoff = now - timeout()
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
