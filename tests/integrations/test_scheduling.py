"""The scheduler: due bindings become exactly one run per slot, whatever the number of workers.

On PostgreSQL the workers lock due bindings with ``SELECT … FOR UPDATE SKIP LOCKED``; on SQLite
they queue for the write lock. Both are tested with real threads.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cascade.core.worker import work
from cascade.goals import services as goals
from cascade.goals.models import CheckIn, KeyResult
from cascade.integrations import interruptions, runs, scheduling, services
from cascade.integrations.models import Binding, Connection, RunStatus, SyncRun, Trigger
from tests.builders import metric
from tests.concurrency import in_threads
from tests.integrations.conftest import JQL, run_worker

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_new_binding_is_due_at_once_and_then_every_interval(binding):
    now = timezone.now()
    assert binding.next_run_at <= now
    assert scheduling.enqueue_due_syncs(now) == 1
    binding.refresh_from_db()
    assert now < binding.next_run_at <= now + timedelta(minutes=60)
    assert scheduling.enqueue_due_syncs(now) == 0  # …so not due twice
    run = SyncRun.objects.get(binding=binding)
    assert run.trigger == Trigger.SCHEDULE
    assert run.idempotency_key.startswith("schedule:")
    assert DBTaskResult.objects.get().args_kwargs == {"args": [run.pk], "kwargs": {}}


def test_missed_slots_are_not_caught_up(binding):
    start = timezone.now() - timedelta(hours=5, minutes=10)
    Binding.objects.filter(pk=binding.pk).update(next_run_at=start)
    now = timezone.now()
    assert scheduling.enqueue_due_syncs(now) == 1
    binding.refresh_from_db()
    assert binding.next_run_at == start + timedelta(hours=6)  # the rhythm is kept
    assert scheduling.enqueue_due_syncs(now) == 0


def test_a_slot_runs_once_even_if_its_due_time_comes_back(binding):
    """The idempotency key (binding, slot) is unique: the database refuses a second run."""
    slot = timezone.now() - timedelta(minutes=1)
    Binding.objects.filter(pk=binding.pk).update(next_run_at=slot)
    assert scheduling.enqueue_due_syncs() == 1
    run_worker()
    Binding.objects.filter(pk=binding.pk).update(next_run_at=slot)  # someone puts it back
    assert scheduling.enqueue_due_syncs() == 0
    assert SyncRun.objects.filter(binding=binding).count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        SyncRun.objects.create(
            organisation_id=binding.organisation_id,
            binding=binding,
            idempotency_key=f"schedule:{slot.isoformat()}",
            trigger=Trigger.SCHEDULE,
        )


def test_no_second_run_while_one_is_unfinished(binding, jira_cloud):
    jira_cloud.fail_next(503, "busy", headers={"Retry-After": "600"})
    run_worker()
    assert SyncRun.objects.get(binding=binding).status == RunStatus.RETRYING
    Binding.objects.filter(pk=binding.pk).update(next_run_at=timezone.now())
    assert scheduling.enqueue_due_syncs() == 0
    assert SyncRun.objects.filter(binding=binding).count() == 1


def test_closed_goals_are_not_due(world, binding):
    goal = binding.key_result.goal
    goals.close_goal(actor=world.ceo, goal=goal, score="0.5", outcome="partial")
    assert scheduling.enqueue_due_syncs() == 0
    goals.reopen_goal(actor=world.ceo, goal=goal)
    assert scheduling.enqueue_due_syncs() == 1


def test_a_run_whose_worker_vanished_is_closed(binding):
    """Claimed outside a worker (no heartbeat to go by): interrupted after half an hour."""
    scheduling.enqueue_due_syncs()
    run = SyncRun.objects.get()
    SyncRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING,
        attempt=1,
        attempt_started_at=timezone.now() - interruptions.STALE_RUNNING - timedelta(minutes=1),
    )
    assert interruptions.close_stale_runs() == 1
    run.refresh_from_db()
    assert (run.status, run.error_kind) == (RunStatus.INTERRUPTED, "interrupted")
    again = SyncRun.objects.exclude(pk=run.pk).get()  # queued again at once
    assert (again.status, again.idempotency_key) == (RunStatus.QUEUED, f"retry:{run.pk}")
    binding.refresh_from_db()  # the owner sees why the number did not move
    assert binding.last_error == interruptions.INTERRUPTED
    assert binding.last_error_kind == "interrupted"
    assert binding.last_error_at is not None
    assert binding.last_run_id == again.pk
    assert interruptions.close_stale_runs() == 0
    run_worker()
    again.refresh_from_db()
    assert again.status == RunStatus.SUCCEEDED
    binding.refresh_from_db()
    assert (binding.last_error, binding.last_value) == ("", 5)


def test_a_run_lost_in_the_queue_fails_and_waits_for_the_next_slot(binding):
    scheduling.enqueue_due_syncs()
    run = SyncRun.objects.get()
    SyncRun.objects.filter(pk=run.pk).update(
        queued_at=timezone.now() - interruptions.STALE_WAITING - timedelta(minutes=1)
    )
    assert interruptions.close_stale_runs() == 1
    run.refresh_from_db()
    assert (run.status, run.error, run.error_kind) == (
        RunStatus.FAILED,
        interruptions.LOST,
        "interrupted",
    )
    assert SyncRun.objects.count() == 1  # not queued again: its slot's task was lost
    Binding.objects.filter(pk=binding.pk).update(next_run_at=timezone.now())
    assert scheduling.enqueue_due_syncs() == 1  # the binding is free again


def closed_while_asking(monkeypatch) -> list[SyncRun]:
    """The service answers so late that the sweep, half an hour on, closes the run as
    interrupted and queues it again while the old attempt still waits."""
    real_measure = runs.measure
    later: list[SyncRun] = []

    def slow_measure(query, client):
        future = timezone.now() + interruptions.STALE_RUNNING + timedelta(minutes=1)
        assert interruptions.close_stale_runs(future) == 1
        later.append(SyncRun.objects.order_by("-id").first())
        return real_measure(query, client)

    monkeypatch.setattr(runs, "measure", slow_measure)
    return later


def test_a_run_closed_as_stale_records_no_late_value(binding, monkeypatch):
    scheduling.enqueue_due_syncs()
    run = SyncRun.objects.get()
    later = closed_while_asking(monkeypatch)
    assert runs.run_sync(run.pk) == "closed meanwhile"
    run.refresh_from_db()
    assert (run.status, run.error_kind, run.value) == (RunStatus.INTERRUPTED, "interrupted", None)
    assert run.checkin is None
    assert not CheckIn.objects.exists()
    binding.refresh_from_db()
    assert (binding.last_value, binding.last_synced_at) == (None, None)
    assert binding.last_error_kind == "interrupted"
    assert KeyResult.objects.get(pk=binding.key_result_id).current is None

    monkeypatch.undo()
    [next_run] = later  # the run queued again does the work
    assert next_run.idempotency_key == f"retry:{run.pk}"
    assert runs.run_sync(next_run.pk) == RunStatus.SUCCEEDED
    assert CheckIn.objects.get().run_id == str(next_run.pk)
    binding.refresh_from_db()
    assert (binding.last_value, binding.last_error, binding.last_run_id) == (5, "", next_run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.INTERRUPTED  # still closed


@pytest.mark.parametrize("status", [503, 401])
def test_a_run_closed_as_stale_neither_retries_nor_flags_the_connection(
    binding, jira_cloud, monkeypatch, status
):
    scheduling.enqueue_due_syncs()
    run = SyncRun.objects.get()
    closed_while_asking(monkeypatch)
    jira_cloud.fail_next(status, {"errorMessages": ["Not now"]}, path="/rest/api/3/search")
    tasks = DBTaskResult.objects.count()
    assert runs.run_sync(run.pk) == "closed meanwhile"
    run.refresh_from_db()
    assert (run.status, run.error_kind, run.attempts) == (RunStatus.INTERRUPTED, "interrupted", [])
    assert run.next_attempt_at is None
    assert DBTaskResult.objects.count() == tasks + 1  # the run queued again, no retry of its own
    assert Connection.objects.get(pk=binding.connection_id).status != "needs_attention"


def test_a_task_delivered_twice_runs_once(binding):
    from cascade.integrations.runs import run_sync

    scheduling.enqueue_due_syncs()
    run = SyncRun.objects.get()
    assert run_sync(run.pk) == RunStatus.SUCCEEDED
    assert run_sync(run.pk) == "not claimed"
    assert CheckIn.objects.count() == 1


def test_two_schedulers_racing_queue_a_due_binding_once(binding, monkeypatch):
    """Both look at the same due binding at the same moment; the first to lock it holds it
    while it works (slowed down here), and the other skips it (PostgreSQL) or waits and then
    finds it no longer due (SQLite)."""
    task = scheduling.sync_key_result

    class SlowTask:
        def enqueue(self, *args, **kwargs):
            time.sleep(0.3)
            return task.enqueue(*args, **kwargs)

    monkeypatch.setattr(scheduling, "sync_key_result", SlowTask())
    counts: list[int] = []
    errors = in_threads(2, lambda _: counts.append(scheduling.enqueue_due_syncs()))
    assert errors == []
    assert sorted(counts) == [0, 1]
    assert SyncRun.objects.count() == 1
    assert DBTaskResult.objects.count() == 1


def test_two_workers_racing_run_a_due_binding_once(binding, jira_cloud):
    """Two real workers (scheduler and task loop), started together on one due binding."""
    errors = in_threads(2, lambda _: work(batch=True, handle_signals=False))
    assert errors == []
    run = SyncRun.objects.get()
    assert run.status == RunStatus.SUCCEEDED
    assert CheckIn.objects.filter(source="connector").count() == 1
    assert len(DBTaskResult.objects.get().worker_ids) == 1
    assert jira_cloud.paths().count("/rest/api/3/search/approximate-count") == 1


def test_many_workers_many_bindings_each_once(world, connect, jira_cloud):
    jira = connect.jira_cloud(jira_cloud)
    goal = world.goal("Many", krs=[metric(0, 10) for _ in range(12)])
    for index in range(12):
        services.bind_key_result(
            actor=world.ceo,
            key_result=world.kr(goal, index),
            connection=jira,
            mode="jira_count",
            query=JQL,
        )
    errors = in_threads(4, lambda _: work(batch=True, handle_signals=False))
    assert errors == []
    assert SyncRun.objects.count() == 12
    assert set(SyncRun.objects.values_list("status", flat=True)) == {RunStatus.SUCCEEDED}
    assert CheckIn.objects.filter(source="connector").count() == 12


def test_the_long_running_worker_schedules_in_its_own_thread(binding):
    """Not a batch: the scheduler thread queues the due sync, the task loop runs it."""
    work(max_tasks=1, interval=0.05, schedule_every=0.05, handle_signals=False)
    assert SyncRun.objects.get().status == RunStatus.SUCCEEDED
    assert CheckIn.objects.filter(source="connector").count() == 1
