"""``cascade worker``: django-tasks-db's worker, plus a thread that runs the periodic jobs.

The queue is django-tasks-db's (``DBTaskResult`` rows, claimed with ``SELECT … FOR UPDATE SKIP
LOCKED``); its worker loop runs the tasks. Beside it a scheduler thread calls
``scheduler.tick`` every few seconds, which runs each due slot of each registered job in one
worker only, however many run at once. With ``batch`` the worker ticks once, runs what is
ready and stops (tests, cron).

Every worker, batch or not, also has a heartbeat (``heartbeats``): a row registered before it
claims anything and beaten by a thread, so that when it is killed the others notice, fail its
tasks and let the apps close (and queue again) what it was doing.
"""

from __future__ import annotations

import logging
import threading

from django.db import close_old_connections, connection
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from cascade.core import heartbeats, scheduler

logger = logging.getLogger(__name__)


class Scheduler(threading.Thread):
    """Ticks the periodic jobs every ``every`` seconds until stopped."""

    def __init__(self, every: float, worker_id: str) -> None:
        super().__init__(name="cascade-scheduler", daemon=True)
        self.every = every
        self.worker_id = worker_id
        self.stopping = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopping.is_set():
                close_old_connections()
                try:
                    scheduler.tick(worker_id=self.worker_id)
                except Exception:  # a failed round is logged; the next one tries again
                    logger.exception("A round of the periodic jobs failed")
                self.stopping.wait(self.every)
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopping.set()


def work(
    *,
    batch: bool = False,
    max_tasks: int | None = None,
    interval: float = 1.0,
    schedule: bool = True,
    schedule_every: float = 15.0,
    queue_names: list[str] | None = None,
    worker_id: str = "",
    handle_signals: bool = True,
) -> None:
    worker_id = worker_id or get_random_string(32)
    worker = Worker(
        queue_names=queue_names or ["*"],
        interval=interval,
        batch=batch,
        backend_name="default",
        startup_delay=not batch,
        max_tasks=max_tasks,
        worker_id=worker_id,
        excluded_queue_names=[],
    )
    heartbeats.register(worker_id)
    heart = heartbeats.Heart(worker_id)
    heart.start()
    ticker = Scheduler(schedule_every, worker_id) if schedule and not batch else None
    try:
        if batch:
            if schedule:
                scheduler.tick(worker_id=worker_id)
            worker.run()
            return
        if ticker is not None:
            ticker.start()
        if handle_signals:
            worker.configure_signals()
        worker.run()
    finally:
        if ticker is not None:
            ticker.stop()
        heart.stop()
        heartbeats.forget(worker_id)  # a clean stop: nothing of this worker is left running
