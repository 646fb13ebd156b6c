"""The background task of a sync, run by ``cascade worker`` (django-tasks-db's queue).

The task carries only the run's id: never a secret, never a value. Scheduled syncs, "sync
now" and retries all enqueue this one task, so they share one path. It takes the task's context
for the id of the worker that claimed it (django-tasks-db records it), which the run keeps: when
that worker's heartbeat stops, the run is known to be orphaned.
"""

from django.tasks import TaskContext, task

from cascade.integrations.runs import run_sync


@task(takes_context=True)
def sync_key_result(context: TaskContext, run_id: int) -> str:
    workers = context.task_result.worker_ids
    return run_sync(run_id, worker_id=workers[-1] if workers else "")
