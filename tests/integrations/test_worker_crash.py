"""A worker killed mid-sync: its run is closed as interrupted and retried, by the next worker.

The doomed worker is a real ``cascade worker`` process on the test database, killed with
SIGKILL while the fake Jira holds its request, so nothing of it runs afterwards (no
``finally``, no signal handler). Its heartbeat stops; the next worker (the same command, run
in the test's process to spare a second start-up) sweeps when it starts.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cascade.core.models import WorkerHeartbeat
from cascade.goals.models import CheckIn, KeyResult
from cascade.integrations import interruptions, scheduling
from cascade.integrations.models import RunStatus, SyncRun

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
COUNT = "/rest/api/3/search/approximate-count"
TIMEOUT = 1.5  # seconds without a heartbeat before a worker counts as gone


def database_url() -> str:
    """The test database, for the worker processes."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    port = f":{settings['PORT']}" if settings.get("PORT") else ""
    return (
        f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}{port}/{settings['NAME']}"
    )


def start_worker(*args: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url(),
        "PYTHONPATH": str(ROOT),
        "CASCADE_WORKER_TIMEOUT": str(TIMEOUT),
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cascade.cli",
            "worker",
            "--skip-checks",
            "--interval",
            "0.1",
            *args,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def wait_for(condition: Callable[[], object], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


def test_a_killed_worker_s_run_is_interrupted_and_retried_to_success(binding, jira_cloud):
    started = time.monotonic()
    jira_cloud.slow_next(60, path=COUNT)  # the first count hangs: the worker dies waiting
    assert scheduling.enqueue_due_syncs() == 1
    run = SyncRun.objects.get()

    doomed = start_worker("--no-schedule", "--worker-id", "doomed")
    try:
        wait_for(lambda: COUNT in jira_cloud.paths(), 20, "the worker to ask Jira")
        run.refresh_from_db()
        assert (run.status, run.worker_id) == (RunStatus.RUNNING, "doomed")
        heartbeat = WorkerHeartbeat.objects.get(pk="doomed")
        assert heartbeat.pid == doomed.pid
        # It beats while its sync waits (a slow sync is not a dead worker).
        wait_for(
            lambda: WorkerHeartbeat.objects.get(pk="doomed").beat_at > run.attempt_started_at,
            5,
            "a heartbeat during the sync",
        )
        os.kill(doomed.pid, signal.SIGKILL)
        doomed.wait(10)
    finally:
        if doomed.poll() is None:
            doomed.kill()
            doomed.wait()

    task = DBTaskResult.objects.get()
    assert task.status == "RUNNING"  # what django-tasks-db leaves behind
    wait_for(
        lambda: (
            WorkerHeartbeat.objects.get(pk="doomed").beat_at
            < timezone.now() - timedelta(seconds=TIMEOUT)
        ),
        10,
        "the heartbeat to go stale",
    )

    with override_settings(CASCADE_WORKER_TIMEOUT=TIMEOUT):
        call_command("worker", batch=True, worker_id="rescuer")

    run.refresh_from_db()
    assert run.status == RunStatus.INTERRUPTED
    assert run.error_kind == "interrupted"
    assert run.error == interruptions.INTERRUPTED
    assert run.finished_at is not None
    task.refresh_from_db()  # the stuck task row is closed through django-tasks-db's own API
    assert task.status == "FAILED"
    assert task.exception_class_path.endswith("WorkerLost")

    retry = SyncRun.objects.exclude(pk=run.pk).get()
    assert retry.idempotency_key == f"retry:{run.pk}"
    assert (retry.status, retry.worker_id, retry.value) == (RunStatus.SUCCEEDED, "rescuer", 5)
    assert CheckIn.objects.get().run_id == str(retry.pk)
    assert KeyResult.objects.get(pk=binding.key_result_id).current == 5
    binding.refresh_from_db()
    assert (binding.last_run_id, binding.last_error) == (retry.pk, "")
    # The dead worker's heartbeat is swept; the rescuer removes its own when it stops.
    assert not WorkerHeartbeat.objects.exists()
    assert jira_cloud.paths().count(COUNT) == 2
    assert time.monotonic() - started < 30
