"""The background task of a sync, run by ``cascade worker`` (django-tasks-db's queue).

The task carries only the run's id: never a secret, never a value. Scheduled syncs, "sync
now" and retries all enqueue this one task, so they share one path.
"""

from django.tasks import task

from cascade.integrations.runs import run_sync


@task()
def sync_key_result(run_id: int) -> str:
    return run_sync(run_id)
