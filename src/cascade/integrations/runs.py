"""Running one sync: claim the run, ask the service, record the outcome.

The order keeps data safe and the database free while a service is slow:

1. *Claim* (a short transaction): lock the run; only a queued or retrying run goes on, so a
   task delivered twice runs once. The attempt is counted.
2. *Ask* (no transaction, no lock): the client talks to Jira or Salesforce.
3. *Record* (one transaction): a value that differs from the key result's current value becomes
   a check-in with source ``connector`` and the run's id, and rolls up; the run and the
   binding's cached state are written with it, or not at all. An unchanged value records the
   run and no check-in. A failure never touches the key result: it keeps its last good value.
   A transient failure re-enqueues the same task for later; refused credentials mark the
   connection as needing attention, which stops its bindings until a super user fixes it.

Recording is a compare-and-set on the run: it goes on only while the run is still running the
attempt this worker claimed. The sweep closes a run whose worker's heartbeat stopped (or, run
outside a worker, that has been running for too long: ``interruptions``) and queues it again;
should the old attempt still be alive and answer late, its outcome is dropped — a run closed
as interrupted never turns into a success, a check-in or a retry afterwards.

The background task of a sync, ``sync_key_result``, is here too, beside the code it runs: a
retry enqueues it again in the transaction that records the failure (the run is waiting to
retry if and only if its task is queued), so the two could not live in modules that import
each other.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.tasks import TaskContext, task

from cascade import permissions
from cascade.audit.models import EventKind
from cascade.audit.services import record
from cascade.core import clock, formatting
from cascade.core.numbers import parse_number
from cascade.goals.models import KeyResult, Source
from cascade.goals.services import check_in
from cascade.integrations import retries
from cascade.integrations.clients.http import Answer
from cascade.integrations.connectors import client_for
from cascade.integrations.errors import ErrorKind, SyncError
from cascade.integrations.models import (
    Binding,
    Connection,
    ConnectionStatus,
    RunStatus,
    SyncRun,
)
from cascade.integrations.modes import Query, measure
from cascade.integrations.redaction import error_for_reader
from cascade.notifications import events
from cascade.progress import OPEN_STATES

logger = logging.getLogger(__name__)


class RunClosed(Exception):
    """The run is no longer running this attempt: the scheduler closed it as interrupted."""


@task(takes_context=True)
def sync_key_result(context: TaskContext, run_id: int) -> str:
    """The task of one sync, run by ``cascade worker`` (django-tasks-db's queue).

    It carries only the run's id: never a secret, never a value. Scheduled syncs, "sync now"
    and retries all enqueue this one task, so they share one path. It takes the task's context
    for the id of the worker that claimed it (django-tasks-db records it), which the run keeps:
    when that worker's heartbeat stops, the run is known to be orphaned.
    """
    workers = context.task_result.worker_ids
    return run_sync(run_id, worker_id=workers[-1] if workers else "")


def run_sync(run_id: int, *, worker_id: str = "") -> str:
    """Run (one attempt of) a sync. Returns the run's status afterwards, for the task result.

    ``worker_id`` names the ``cascade worker`` running it, whose heartbeat vouches for the run.
    """
    run = _claim(run_id, worker_id)
    if run is None:
        return "not claimed"
    try:
        return _attempt(run)
    except RunClosed:
        logger.warning(
            "Sync run %s was closed while attempt %s ran; its outcome is dropped",
            run.pk,
            run.attempt,
        )
        return "closed meanwhile"


def _attempt(run: SyncRun) -> str:
    binding = (
        Binding.objects.select_related("connection", "key_result__goal")
        .filter(pk=run.binding_id)
        .first()
    )
    if binding is None:
        return "unbound"
    connection = binding.connection
    if connection.needs_attention:
        return _failed(run, SyncError(ErrorKind.AUTH, attention_message(connection)), mark=False)
    if binding.key_result.goal.state not in OPEN_STATES:
        return _skipped(run, f"The goal is {binding.key_result.goal.state}; nothing was synced.")
    try:
        with client_for(connection) as client:
            answer = measure(Query(binding.mode, binding.query, binding.field), client)
    except SyncError as error:
        return _unless_unbound(_failed, run, error)
    except Exception:
        logger.exception("Sync run %s failed unexpectedly", run.pk)
        internal = SyncError(ErrorKind.INTERNAL, "Cascade failed while syncing; see its logs.")
        _unless_unbound(_failed, run, internal)
        raise
    return _unless_unbound(_succeeded, run, answer)


def _unless_unbound(record_outcome: Any, run: SyncRun, outcome: Any) -> str:
    """Record the outcome, unless the key result was unbound meanwhile (its runs went too)."""
    try:
        return str(record_outcome(run, outcome))
    except (SyncRun.DoesNotExist, Binding.DoesNotExist):
        return "unbound"


def attention_message(connection: Connection) -> str:
    why = f": {connection.status_message}" if connection.status_message else ""
    return f"The connection “{connection.name}” needs attention{why}"


def _claim(run_id: int, worker_id: str) -> SyncRun | None:
    with transaction.atomic():
        run = SyncRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status not in (RunStatus.QUEUED, RunStatus.RETRYING):
            return None
        now = clock.now()
        run.status = RunStatus.RUNNING
        run.attempt += 1
        run.started_at = run.started_at or now
        run.attempt_started_at = now
        run.next_attempt_at = None
        run.worker_id = worker_id
        run.save(
            update_fields=[
                "status",
                "attempt",
                "started_at",
                "attempt_started_at",
                "next_attempt_at",
                "worker_id",
            ]
        )
        return run


def _lock(run: SyncRun) -> tuple[SyncRun, Binding]:
    """The run and its binding, locked, in that order everywhere (no deadlocks).

    The compare-and-set of every outcome: RunClosed unless the run is still running the
    attempt this worker claimed (the scheduler may have closed it as interrupted meanwhile).
    """
    locked_run = SyncRun.objects.select_for_update().get(pk=run.pk)
    if locked_run.status != RunStatus.RUNNING or locked_run.attempt != run.attempt:
        raise RunClosed(run.pk)
    binding = Binding.objects.select_for_update().get(pk=run.binding_id)
    return locked_run, binding


def _succeeded(run: SyncRun, answer: Answer) -> str:
    try:
        value = parse_number(answer.value, "value")
    except ValidationError:
        error = SyncError(
            ErrorKind.REFUSED,
            f"The value {formatting.number(answer.value)} is too large for a key result.",
            request_id=answer.request_id,
        )
        return _failed(run, error)
    with transaction.atomic():
        run, binding = _lock(run)
        current = KeyResult.objects.filter(pk=binding.key_result_id).values_list(
            "current", flat=True
        )[0]
        now = clock.now()
        if current != value:
            connection = Connection.objects.only("name").get(pk=binding.connection_id)
            try:
                run.checkin = check_in(
                    actor=None,
                    key_result=binding.key_result,
                    value=value,
                    note=f"From {connection.name}: {answer.detail}"[:500],
                    source=Source.CONNECTOR,
                    run_id=str(run.pk),
                )
            except ValidationError as refused:
                message = "Cascade could not record the value: " + " ".join(refused.messages)
                error = SyncError(ErrorKind.REFUSED, message, request_id=answer.request_id)
                return _record_failure(run, binding, error, None)
            run.changed = True
        run.status = RunStatus.SUCCEEDED
        run.value = value
        run.detail = answer.detail[:200]
        run.request_id = answer.request_id
        run.error, run.error_kind = "", ""
        run.finished_at = now
        run.save()
        binding.last_value = value
        binding.last_synced_at = now
        binding.last_error, binding.last_error_kind, binding.last_error_at = "", "", None
        binding.last_run = run
        binding.save(
            update_fields=[
                "last_value",
                "last_synced_at",
                "last_error",
                "last_error_kind",
                "last_error_at",
                "last_run",
            ]
        )
        # A sync that worked proves an untested connection, or one whose last test failed.
        Connection.objects.filter(
            pk=binding.connection_id,
            status__in=[ConnectionStatus.UNTESTED, ConnectionStatus.FAILED],
        ).update(status=ConnectionStatus.OK, status_message="", status_changed_at=now)
        return run.status


def _skipped(run: SyncRun, why: str) -> str:
    with transaction.atomic():
        run, binding = _lock(run)
        run.status = RunStatus.SKIPPED
        run.detail = why[:200]
        run.finished_at = clock.now()
        run.save()
        binding.last_run = run
        binding.save(update_fields=["last_run"])
        return run.status


def _failed(run: SyncRun, error: SyncError, *, mark: bool = True) -> str:
    delay = retries.next_delay(error, run.attempt)
    with transaction.atomic():
        run, binding = _lock(run)
        return _record_failure(run, binding, error, delay, mark=mark)


def _record_failure(
    run: SyncRun, binding: Binding, error: SyncError, delay: float | None, *, mark: bool = True
) -> str:
    now = clock.now()
    entry: dict[str, Any] = {
        "attempt": run.attempt,
        "at": now.isoformat(),
        "kind": str(error.kind),
        "error": error.message,
        "status": error.status,
        "request_id": error.request_id,
        "retry_in": round(delay, 3) if delay is not None else None,
    }
    run.attempts = [*run.attempts, entry]
    run.error = error.message
    run.error_kind = str(error.kind)
    run.request_id = error.request_id or run.request_id
    if delay is not None:
        run.status = RunStatus.RETRYING
        run.next_attempt_at = now + timedelta(seconds=delay)
        run.save()
        sync_key_result.using(run_after=run.next_attempt_at).enqueue(run.pk)
    else:
        run.status = RunStatus.FAILED
        run.finished_at = now
        run.save()
        if error.transient and run.attempt > 1:
            run.error = f"{error.message} (gave up after {run.attempt} attempts)"
            run.save(update_fields=["error"])
        binding.last_error = run.error
        binding.last_error_kind = run.error_kind
        binding.last_error_at = now
        if error.kind == ErrorKind.AUTH and mark:
            needs_attention(binding.connection_id, error.message)
        _tell_if_failing(run, binding)
    binding.last_run = run
    binding.save(update_fields=["last_error", "last_error_kind", "last_error_at", "last_run"])
    return run.status


FAILURES_TO_TELL = 3


def _tell_if_failing(run: SyncRun, binding: Binding) -> None:
    """On the third failed run in a row (not on every one after it), tell the goal's owner. A
    run that succeeded breaks the series; skipped and interrupted runs neither count nor break
    it. One query for the series, one for the goal."""
    latest = list(
        SyncRun.objects.filter(
            binding_id=binding.pk, status__in=[RunStatus.FAILED, RunStatus.SUCCEEDED]
        )
        .order_by("-finished_at", "-id")
        .values_list("status", flat=True)[: FAILURES_TO_TELL + 1]
    )
    in_a_row = next((i for i, s in enumerate(latest) if s != RunStatus.FAILED), len(latest))
    if in_a_row != FAILURES_TO_TELL:
        return
    kr = KeyResult.objects.select_related("goal__owner", "goal__organisation").get(
        pk=binding.key_result_id
    )
    owner = kr.goal.owner
    events.sync_failing(
        goal=kr.goal,
        key_result_title=kr.title,
        # The owner reads it as on the KR's page: without host names unless a super user.
        error=error_for_reader(
            run.error, binding.connection, full=permissions.can_read_source_errors(owner)
        ),
        failures=in_a_row,
        run_id=run.pk,
        requested_by_id=run.requested_by_id,
    )


def needs_attention(connection_id: int, message: str) -> None:
    """Refused credentials stop every binding of the connection until a super user fixes it."""
    connection = Connection.objects.select_for_update().get(pk=connection_id)
    if connection.status == ConnectionStatus.NEEDS_ATTENTION:
        return
    connection.status = ConnectionStatus.NEEDS_ATTENTION
    connection.status_message = message
    connection.status_changed_at = clock.now()
    connection.save(update_fields=["status", "status_message", "status_changed_at"])
    record(
        organisation=connection.organisation_id,
        actor=None,
        kind=EventKind.CONNECTION_NEEDS_ATTENTION,
        subject=connection,
        data={"connection": connection.pk, "name": connection.name, "error": message},
    )
