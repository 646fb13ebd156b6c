"""Runs whose worker is gone, decided by the workers' heartbeats: closed as interrupted, queued
again a bounded number of times, their task rows closed; "Sync now" replaces a stuck run.

The killed real worker is in test_worker_crash.py; here the heartbeats are rows put in place.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cascade.core import heartbeats
from cascade.core.models import WorkerHeartbeat
from cascade.core.worker import work
from cascade.integrations import interruptions, scheduling, services
from cascade.integrations.models import Binding, RunStatus, SyncRun
from cascade.integrations.source_state import binding_state
from cascade.settings import env_seconds
from tests.integrations.conftest import run_worker, text_of, url

pytestmark = pytest.mark.django_db(transaction=True)


def sweep() -> int:
    """What a round of the scheduler does about dead workers: core fails the tasks they were
    running and forgets them (``core.orphaned_tasks``), then their runs are closed
    (``integrations.interrupted_runs``). Returns how many runs were closed."""
    heartbeats.fail_orphaned_tasks()
    return interruptions.close_stale_runs()


def worker(worker_id: str, *, silent_for: timedelta) -> WorkerHeartbeat:
    now = timezone.now()
    return WorkerHeartbeat.objects.create(
        pk=worker_id,
        host="box",
        pid=4242,
        started_at=now - timedelta(hours=1),
        beat_at=now - silent_for,
    )


def running(binding: Binding, worker_id: str, *, for_: timedelta = timedelta(seconds=5)) -> SyncRun:
    """A run that worker claimed, with its django-tasks-db task claimed too."""
    scheduling.enqueue_due_syncs()
    run = SyncRun.objects.filter(binding=binding).latest("pk")
    started = timezone.now() - for_
    SyncRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING, attempt=1, attempt_started_at=started, worker_id=worker_id
    )
    task = DBTaskResult.objects.get(args_kwargs__args=[run.pk])
    task.claim(worker_id)
    run.refresh_from_db()
    return run


def test_a_run_of_a_beating_worker_is_never_closed_however_slow(binding):
    worker("alive", silent_for=timedelta(seconds=2))
    run = running(binding, "alive", for_=timedelta(hours=2))
    assert sweep() == 0
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING
    assert DBTaskResult.objects.get().status == "RUNNING"


def test_a_run_of_a_silent_worker_is_interrupted_and_queued_again(binding):
    worker("dead", silent_for=timedelta(seconds=91))  # the default timeout is 90 s
    run = running(binding, "dead")
    assert sweep() == 1
    run.refresh_from_db()
    assert (run.status, run.error) == (RunStatus.INTERRUPTED, interruptions.INTERRUPTED)
    again = SyncRun.objects.exclude(pk=run.pk).get()
    assert (again.status, again.trigger) == (RunStatus.QUEUED, run.trigger)
    task = DBTaskResult.objects.get(args_kwargs__args=[run.pk])
    assert task.status == "FAILED"
    assert "WorkerLost: Worker dead (box, pid 4242) stopped beating" in task.traceback
    assert not WorkerHeartbeat.objects.exists()  # the dead worker is forgotten
    assert sweep() == 0  # once
    run_worker()
    again.refresh_from_db()
    assert again.status == RunStatus.SUCCEEDED


def test_the_timeout_is_a_setting(binding):
    worker("quiet", silent_for=timedelta(seconds=20))
    run = running(binding, "quiet")
    assert sweep() == 0
    with override_settings(CASCADE_WORKER_TIMEOUT=15):
        assert heartbeats.every() == 5.0
        assert sweep() == 1
    run.refresh_from_db()
    assert run.status == RunStatus.INTERRUPTED


def test_a_run_of_a_worker_without_a_heartbeat_row_is_interrupted(binding):
    """Its row went (a worker that stopped cleanly deletes it): nothing vouches for the run."""
    run = running(binding, "vanished")
    assert sweep() == 1
    run.refresh_from_db()
    assert run.status == RunStatus.INTERRUPTED
    # Its task is left alone: only the tasks of workers known to be dead are failed.
    assert DBTaskResult.objects.get(args_kwargs__args=[run.pk]).status == "RUNNING"


def test_queued_again_at_most_three_times_in_a_row(binding):
    for round in range(1, interruptions.MAX_INTERRUPTIONS + 1):
        worker(f"dead-{round}", silent_for=timedelta(minutes=5))
        run = running(binding, f"dead-{round}")
        if round > 1:
            assert run.idempotency_key.startswith("retry:")
        assert sweep() == 1
    run.refresh_from_db()
    assert run.error == interruptions.GAVE_UP
    assert SyncRun.objects.count() == interruptions.MAX_INTERRUPTIONS  # no fourth run
    assert not SyncRun.objects.filter(status__in=["queued", "running"]).exists()
    binding.refresh_from_db()
    assert (binding.last_run_id, binding.last_error) == (run.pk, interruptions.GAVE_UP)
    # The next slot syncs as usual, and a success ends the series.
    Binding.objects.filter(pk=binding.pk).update(next_run_at=timezone.now())
    run_worker()
    assert SyncRun.objects.latest("pk").status == RunStatus.SUCCEEDED


def test_sync_now_replaces_a_run_whose_worker_is_gone(world, binding):
    worker("alive", silent_for=timedelta(seconds=1))
    live = running(binding, "alive")
    assert services.request_sync(actor=world.ceo, key_result=binding.key_result) == (live, False)

    WorkerHeartbeat.objects.filter(pk="alive").update(beat_at=timezone.now() - timedelta(hours=1))
    fresh, created = services.request_sync(actor=world.ceo, key_result=binding.key_result)
    assert created
    assert (fresh.status, fresh.trigger) == (RunStatus.QUEUED, "manual")
    live.refresh_from_db()
    assert (live.status, live.error) == (RunStatus.INTERRUPTED, interruptions.REPLACED)
    assert SyncRun.objects.count() == 2  # Sync now's run, no automatic one besides
    binding.refresh_from_db()
    assert binding.last_run_id == fresh.pk


def test_the_data_source_page_says_the_sync_was_interrupted(signed_in, world, binding):
    worker("dead", silent_for=timedelta(minutes=5))
    run = running(binding, "dead")
    sweep()
    page = text_of(
        signed_in.get(url(world, f"key-results/{binding.key_result_id}/data-source/")).text
    )
    assert re.search(f"Last sync interrupted [^:]+: {re.escape(interruptions.INTERRUPTED)}", page)
    assert f"On schedule Interrupted Interrupted: {interruptions.INTERRUPTED}" in page
    binding.refresh_from_db()  # the API's source: the run queued again is on its way
    state = binding_state(binding, full_errors=True)
    assert (state["sync_status"], state["last_error_kind"]) == ("queued", "interrupted")
    assert binding.last_run_id != run.pk


def test_a_worker_beats_registers_again_and_leaves_no_row_when_it_stops(binding):
    heartbeats.register("w1")
    first = WorkerHeartbeat.objects.get(pk="w1").beat_at
    heartbeats.beat("w1")
    assert WorkerHeartbeat.objects.get(pk="w1").beat_at > first
    WorkerHeartbeat.objects.all().delete()  # swept while it was only slow
    heartbeats.beat("w1")
    assert WorkerHeartbeat.objects.filter(pk="w1").exists()
    heartbeats.forget("w1")

    work(batch=True, handle_signals=False, worker_id="batch-1")
    run = SyncRun.objects.get()
    assert (run.status, run.worker_id) == (RunStatus.SUCCEEDED, "batch-1")
    assert not WorkerHeartbeat.objects.exists()


def test_the_timeout_setting_must_be_seconds(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setenv("CASCADE_WORKER_TIMEOUT", "45")
    assert env_seconds("CASCADE_WORKER_TIMEOUT", 90) == 45
    for bad in ("soon", "0", "-5", "nan"):
        monkeypatch.setenv("CASCADE_WORKER_TIMEOUT", bad)
        with pytest.raises(ImproperlyConfigured, match="CASCADE_WORKER_TIMEOUT"):
            env_seconds("CASCADE_WORKER_TIMEOUT", 90)
