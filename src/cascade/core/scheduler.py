"""Periodic jobs: one registry every app adds its jobs to, run by ``cascade worker``.

An app registers a job in its ``AppConfig.ready()``::

    from cascade.core import scheduler

    scheduler.register("goals.reminders", send_reminders, every=timedelta(hours=1))
    # or, for a rhythm that is not a fixed interval:
    scheduler.register("goals.digest", send_digests, due=monday_mornings)

``run`` is called with the moment of the round (``now``). ``every`` cuts time into slots of
that length (aligned on Monday 3 January 2000, 00:00 UTC, so every worker cuts them alike:
hourly slots start on the hour, daily ones at midnight UTC, weekly ones on Mondays); ``due(now)``
instead returns the start of the slot due at ``now``, or ``None`` when nothing is due.

Every worker calls ``tick`` every few seconds (``--schedule-every``). For each job whose slot is
due, it claims the slot by inserting a ``JobSlot`` row ``(job, slot)``, unique in the database:
of the workers that tick at once, one insert wins and that worker runs the job; the others'
inserts fail (an ``IntegrityError``, caught quietly) and they move on. A slot runs at most once,
whatever the number of workers. A job that fails is logged and its error kept on the slot's row;
the next slot runs it again. Slots missed while no worker ran are not caught up: only the
current one runs. So a job should work out what to do from the data (the due bindings, the
reminders not yet sent), each item idempotent by a unique key of its own, and then a late or
failed slot loses nothing.

Jobs run in registration order (``INSTALLED_APPS`` order, then the order of ``register``
calls), in the worker's scheduler thread, one after another: keep each round short and queue
the slow work as tasks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction

from cascade.core import clock
from cascade.core.models import JobSlot

logger = logging.getLogger(__name__)

EPOCH = datetime(2000, 1, 3, tzinfo=UTC)  # a Monday at midnight: weekly slots start on Mondays
ROUND = timedelta(seconds=15)  # the rhythm of the jobs that run every round of the worker
KEEP = timedelta(days=1)  # slot rows older than this, and not the latest of their job, go

Due = Callable[[datetime], datetime | None]


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[datetime], object]
    due: Due

    def slot(self, now: datetime) -> datetime | None:
        return self.due(now)


_jobs: dict[str, Job] = {}


def interval_slots(interval: timedelta) -> Due:
    """The slots of a fixed interval: the start of the one ``now`` falls in."""
    if interval <= timedelta(0):
        raise ValueError("a job's interval must be positive")

    def due(now: datetime) -> datetime:
        return EPOCH + ((now - EPOCH) // interval) * interval

    return due


def register(
    name: str,
    run: Callable[[datetime], object],
    *,
    every: timedelta | None = None,
    due: Due | None = None,
) -> Job:
    """Add a periodic job (from an ``AppConfig.ready()``). Give ``every`` or ``due``.

    Registering the same name again with the same function replaces the job (``ready()`` may
    run more than once); a name taken by another function is a configuration error.
    """
    if due is None:
        if every is None:
            raise ImproperlyConfigured(f"Job {name!r}: give every= or due=.")
        due = interval_slots(every)
    elif every is not None:
        raise ImproperlyConfigured(f"Job {name!r}: give every= or due=, not both.")
    known = _jobs.get(name)
    if known is not None and _path(known.run) != _path(run):
        raise ImproperlyConfigured(f"Job {name!r} is registered already, by {_path(known.run)}.")
    job = Job(name, run, due)
    _jobs[name] = job
    return job


def jobs() -> list[Job]:
    return list(_jobs.values())


def claim(job: Job, slot: datetime, *, now: datetime, worker_id: str = "") -> JobSlot | None:
    """The slot's row if this worker got it; ``None`` if another worker has it already."""
    try:
        with transaction.atomic():
            return JobSlot.objects.create(
                job=job.name, slot=slot, worker_id=worker_id[:64], claimed_at=now
            )
    except IntegrityError:
        return None  # lost the race, or ran before: the slot runs once


def tick(now: datetime | None = None, *, worker_id: str = "") -> dict[str, object]:
    """One round: run every job whose due slot no worker has claimed yet.

    Returns what each job this worker ran returned, by name (an exception for a failed one).
    """
    now = now or clock.now()
    ran: dict[str, object] = {}
    for job in jobs():
        slot = job.slot(now)
        if slot is None:
            continue
        row = claim(job, slot, now=now, worker_id=worker_id)
        if row is None:
            continue
        ran[job.name] = _run(job, row, now)
        JobSlot.objects.filter(job=job.name, slot__lt=slot, claimed_at__lt=now - KEEP).delete()
    return ran


def _run(job: Job, row: JobSlot, now: datetime) -> object:
    try:
        result = job.run(now)
    except Exception as error:  # one failed job does not stop the others; its next slot retries
        logger.exception("The periodic job %s failed", job.name)
        row.error = f"{type(error).__name__}: {error}"[:2000]
        result = error
    else:
        if result:
            logger.info("Periodic job %s: %s", job.name, result)
    row.finished_at = clock.now()
    row.save(update_fields=["finished_at", "error"])
    return result


def _path(function: Callable[..., object]) -> str:
    return f"{function.__module__}.{getattr(function, '__qualname__', repr(function))}"
