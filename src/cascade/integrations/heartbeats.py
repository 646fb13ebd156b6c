"""Worker heartbeats: how the other workers know that a ``cascade worker`` is still alive.

Each worker process has a ``WorkerHeartbeat`` row, written before it claims its first task and
updated by a thread every few seconds (a third of the timeout, at most five seconds) — also
while a slow sync holds the worker's main thread, so a slow sync is never taken for a dead
worker. A worker that stops cleanly deletes its row; one that is killed leaves it behind, and
once its beat is older than ``CASCADE_WORKER_TIMEOUT`` seconds (default 90) the sweep
(``interruptions.sweep``) closes what it was running.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection

from cascade.core import clock
from cascade.integrations.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

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
