"""The periodic jobs of ``core.scheduler``: registered by the apps, each slot run once.

A slot is claimed by inserting its ``JobSlot`` row, unique per (job, slot): the race between
workers is decided by the database, tested here with real threads, each with its own
connection (on PostgreSQL in its pass of ``./dev test``, and on SQLite, which queues writers).
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.test import modify_settings

from cascade.core import scheduler
from cascade.core.models import JobSlot
from tests.concurrency import in_threads

NOW = datetime(2026, 12, 4, 10, 17, 42, tzinfo=UTC)  # a Friday


@pytest.fixture
def registry(monkeypatch):
    """An empty registry for the test's own jobs; the apps' jobs are back afterwards."""
    monkeypatch.setattr(scheduler, "_jobs", {})
    return scheduler


class Counter:
    """A job that counts its runs (from any thread), slowly if asked."""

    def __init__(self, pause: float = 0.0) -> None:
        self.runs: list[datetime] = []
        self.pause = pause
        self.lock = threading.Lock()

    def __call__(self, now: datetime) -> int:
        time.sleep(self.pause)
        with self.lock:
            self.runs.append(now)
            return len(self.runs)


def test_the_apps_register_their_jobs_in_their_ready_in_the_order_of_installed_apps():
    names = [job.name for job in scheduler.jobs()]
    assert names[:3] == [
        "core.orphaned_tasks",
        "integrations.interrupted_runs",
        "integrations.due_syncs",
    ]


@pytest.mark.django_db
def test_a_job_registered_in_an_apps_ready_is_run_by_the_tick(monkeypatch):
    from tests.scheduled_app import apps as scheduled_app

    monkeypatch.setattr(scheduler, "_jobs", dict(scheduler._jobs))  # the app's job goes after
    monkeypatch.setattr(scheduled_app, "RUNS", [])
    assert "scheduled_app.reminders" not in [job.name for job in scheduler.jobs()]
    with modify_settings(INSTALLED_APPS={"append": "tests.scheduled_app"}):
        names = [job.name for job in scheduler.jobs()]
        assert names[-1] == "scheduled_app.reminders"  # the last app's, after the others
        assert len(names) == len(set(names))  # every ready() ran again: replaced, not doubled
        ran = scheduler.tick(NOW, worker_id="w1")
    assert ran["scheduled_app.reminders"] == 1
    assert scheduled_app.RUNS == [NOW]
    slot = JobSlot.objects.get(job="scheduled_app.reminders")
    assert (slot.slot, slot.worker_id, slot.error) == (NOW.replace(minute=0, second=0), "w1", "")
    assert slot.finished_at is not None


@pytest.mark.django_db(transaction=True)
def test_two_workers_ticking_the_same_slot_run_the_job_once(registry, caplog):
    """Both claim the slot at the same moment; one insert wins, the other is refused by the
    unique constraint and moves on without a word — even while the job is still running."""
    job = Counter(pause=0.3)
    registry.register("test.slow", job, every=timedelta(minutes=5))
    results: dict[int, dict[str, object]] = {}

    def worker(index: int) -> None:
        results[index] = scheduler.tick(NOW, worker_id=f"worker-{index}")

    with caplog.at_level(logging.WARNING):
        assert in_threads(2, worker) == []
    assert job.runs == [NOW]
    assert sorted(len(ran) for ran in results.values()) == [0, 1]  # one ran it, one did not
    [slot] = JobSlot.objects.all()
    assert slot.job == "test.slow"
    assert slot.slot == datetime(2026, 12, 4, 10, 15, tzinfo=UTC)
    assert slot.worker_id in {"worker-0", "worker-1"}
    assert caplog.records == []  # the lost race is no error


@pytest.mark.django_db(transaction=True)
def test_many_workers_many_rounds_each_slot_once(registry):
    every_minute, hourly = Counter(), Counter()
    registry.register("test.every_minute", every_minute, every=timedelta(minutes=1))
    registry.register("test.hourly", hourly, every=timedelta(hours=1))
    rounds = [NOW + timedelta(seconds=15 * n) for n in range(8)]  # two minutes of rounds

    def worker(index: int) -> None:
        for moment in rounds:
            scheduler.tick(moment, worker_id=f"worker-{index}")

    assert in_threads(4, worker) == []
    assert len(every_minute.runs) == 3  # 10:17, 10:18 and 10:19
    assert len(hourly.runs) == 1
    assert JobSlot.objects.count() == 4


@pytest.mark.django_db
def test_a_slot_runs_once_and_the_next_slot_again(registry):
    job = Counter()
    registry.register("test.hourly", job, every=timedelta(hours=1))
    assert scheduler.tick(NOW) == {"test.hourly": 1}
    assert scheduler.tick(NOW + timedelta(minutes=40)) == {}  # 10:57: the same slot
    assert scheduler.tick(NOW + timedelta(minutes=43)) == {"test.hourly": 2}  # 11:00
    assert job.runs == [NOW, NOW + timedelta(minutes=43)]
    with pytest.raises(IntegrityError), transaction.atomic():  # the database says so too
        JobSlot.objects.create(
            job="test.hourly", slot=NOW.replace(minute=0, second=0), claimed_at=NOW
        )


def test_interval_slots_start_on_the_hour_at_midnight_and_on_mondays():
    assert scheduler.interval_slots(timedelta(seconds=15))(NOW) == NOW.replace(second=30)
    assert scheduler.interval_slots(timedelta(hours=1))(NOW) == NOW.replace(minute=0, second=0)
    day = scheduler.interval_slots(timedelta(days=1))(NOW)
    assert day == datetime(2026, 12, 4, tzinfo=UTC)
    week = scheduler.interval_slots(timedelta(weeks=1))(NOW)
    assert (week, week.weekday()) == (datetime(2026, 11, 30, tzinfo=UTC), 0)
    with pytest.raises(ValueError, match="positive"):
        scheduler.interval_slots(timedelta(0))


@pytest.mark.django_db
def test_a_due_function_sets_its_own_rhythm(registry):
    """Mondays at nine (UTC), say: nothing is due before, and the slot is Monday's all week."""

    def monday_at_nine(now: datetime) -> datetime | None:
        monday = (now - timedelta(days=now.weekday())).replace(hour=9, minute=0, second=0)
        return monday if now >= monday else None

    job = Counter()
    registry.register("test.digest", job, due=monday_at_nine)
    monday = datetime(2026, 11, 30, 8, 59, tzinfo=UTC)
    assert scheduler.tick(monday) == {}
    assert scheduler.tick(monday + timedelta(minutes=1)) == {"test.digest": 1}
    assert scheduler.tick(NOW) == {}  # Friday: still Monday's slot
    assert JobSlot.objects.get().slot == monday + timedelta(minutes=1)


@pytest.mark.django_db
def test_a_failing_job_is_recorded_and_the_others_still_run(registry, caplog):
    def broken(now: datetime) -> None:
        raise RuntimeError("the mail server is down")

    after = Counter()
    registry.register("test.broken", broken, every=timedelta(minutes=1))
    registry.register("test.after", after, every=timedelta(minutes=1))
    ran = scheduler.tick(NOW)
    assert isinstance(ran["test.broken"], RuntimeError)
    assert ran["test.after"] == 1
    failed = JobSlot.objects.get(job="test.broken")
    assert failed.error == "RuntimeError: the mail server is down"
    assert failed.finished_at is not None
    assert "The periodic job test.broken failed" in caplog.text
    assert scheduler.tick(NOW) == {}  # at most once a slot: the next slot tries again
    assert "test.broken" in scheduler.tick(NOW + timedelta(minutes=1))


@pytest.mark.django_db
def test_old_slots_are_forgotten_the_latest_kept(registry):
    registry.register("test.weekly", Counter(), every=timedelta(weeks=1))
    registry.register("test.minutely", Counter(), every=timedelta(minutes=1))
    scheduler.tick(NOW - timedelta(days=8))
    scheduler.tick(NOW - timedelta(hours=2))
    scheduler.tick(NOW)
    kept = sorted(JobSlot.objects.values_list("job", "slot"))
    assert kept == [
        ("test.minutely", NOW.replace(hour=8, second=0)),  # less than a day old
        ("test.minutely", NOW.replace(second=0)),
        ("test.weekly", datetime(2026, 11, 30, tzinfo=UTC)),  # the slot still running: kept
    ]


def test_registering_needs_one_rhythm_and_a_name_of_its_own(registry):
    job = Counter()
    with pytest.raises(ImproperlyConfigured, match="give every= or due="):
        registry.register("test.none", job)
    with pytest.raises(ImproperlyConfigured, match="not both"):
        registry.register("test.both", job, every=timedelta(hours=1), due=lambda now: now)
    registry.register("test.mine", job, every=timedelta(hours=1))
    registry.register("test.mine", job, every=timedelta(hours=2))  # ready() again: replaced
    assert [(j.name, j.slot(NOW).hour) for j in registry.jobs()] == [("test.mine", 10)]
    with pytest.raises(ImproperlyConfigured, match="registered already"):
        registry.register("test.mine", lambda now: None, every=timedelta(hours=1))
