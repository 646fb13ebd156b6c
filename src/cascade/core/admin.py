"""Shared pieces for the Django admin, which is an inspection tool for installation operators.

Writes to organisation data go through the services (permission checks, rollup, audit trail),
so the admin shows that data read-only.
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from cascade.core.models import JobSlot, WorkerHeartbeat


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdmin):
    list_display = ("id", "host", "pid", "started_at", "beat_at")


@admin.register(JobSlot)
class JobSlotAdmin(ReadOnlyAdmin):
    list_display = ("job", "slot", "worker_id", "claimed_at", "finished_at", "error")
    list_filter = ("job",)
