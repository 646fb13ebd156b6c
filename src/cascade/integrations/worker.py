"""``cascade worker``: django-tasks-db's worker, plus a thread that schedules the due syncs.

The queue is django-tasks-db's (``DBTaskResult`` rows, claimed with ``SELECT … FOR UPDATE SKIP
LOCKED``); its worker loop runs the tasks. Beside it a scheduler thread calls
``scheduling.tick`` every few seconds, which is safe to run in any number of workers at once.
With ``batch`` the worker schedules once, runs what is ready and stops (tests, cron).

Every worker, batch or not, also has a heartbeat (``heartbeats``): a row registered before it
claims anything and beaten by a thread, so that when it is killed the others notice, close
its run as interrupted and queue it again (``interruptions``).
"""

from __future__ import annotations

import logging
import threading

from django.db import close_old_connections, connection
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from cascade.integrations import heartbeats, scheduling

logger = logging.getLogger(__name__)


class Scheduler(threading.Thread):
    """Queues due syncs every ``every`` seconds until stopped."""

    def __init__(self, every: float) -> None:
        super().__init__(name="cascade-scheduler", daemon=True)
        self.every = every
        self.stopping = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopping.is_set():
                close_old_connections()
                try:
                    queued = scheduling.tick()
                    if queued:
                        logger.info("Queued %d due sync%s", queued, "s" * (queued != 1))
                except Exception:  # a failed round is logged; the next one tries again
                    logger.exception("Scheduling the due syncs failed")
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
    scheduler = Scheduler(schedule_every) if schedule and not batch else None
    try:
        if batch:
            if schedule:
                scheduling.tick()
            worker.run()
            return
        if scheduler is not None:
            scheduler.start()
        if handle_signals:
            worker.configure_signals()
        worker.run()
    finally:
        if scheduler is not None:
            scheduler.stop()
        heart.stop()
        heartbeats.forget(worker_id)  # a clean stop: nothing of this worker is left running
