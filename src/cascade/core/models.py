"""The rows of the background machinery every app shares: workers' heartbeats and job slots."""

from django.db import models


class WorkerHeartbeat(models.Model):
    """One running ``cascade worker`` process, which updates ``beat_at`` every few seconds.

    A worker whose beat is older than ``CASCADE_WORKER_TIMEOUT`` is gone (killed, its machine
    lost): the tasks it ran are marked failed (``heartbeats.fail_orphaned_tasks``) and the apps
    close what it was doing (the data sources' runs: ``integrations.interruptions``). ``id`` is
    the worker id django-tasks-db records on the tasks it claims.
    """

    id = models.CharField(max_length=64, primary_key=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField()

    class Meta:
        ordering = ["started_at"]

    def __str__(self) -> str:
        return f"worker {self.id} ({self.host}:{self.pid})"


class JobSlot(models.Model):
    """One slot of one periodic job, claimed by the worker that runs it (``core.scheduler``).

    The idempotency key of a periodic job: ``(job, slot)`` is unique, so of the workers that
    tick at the same moment exactly one creates the row and runs the job; the others' insert
    fails and they let it be. The row stays as the record of that run.
    """

    job = models.CharField(max_length=100)
    slot = models.DateTimeField()  # the start of the slot, the same for every worker
    worker_id = models.CharField(max_length=64, blank=True, default="")
    claimed_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-slot", "job"]
        constraints = [
            models.UniqueConstraint(fields=["job", "slot"], name="core_job_slot_once"),
        ]

    def __str__(self) -> str:
        return f"{self.job} at {self.slot.isoformat()}"
