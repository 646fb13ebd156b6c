"""The data sources in the installation admin: read-only, and never a secret."""

from django.contrib import admin

from cascade.core.admin import ReadOnlyAdmin
from cascade.integrations.models import Binding, Connection, SyncRun


@admin.register(Connection)
class ConnectionAdmin(ReadOnlyAdmin):
    list_display = ("name", "organisation", "service", "base_url", "status", "last_tested_at")
    list_filter = ("service", "status", "organisation")
    search_fields = ("name", "base_url")
    exclude = ("secret_sealed", "access_token_sealed")


@admin.register(Binding)
class BindingAdmin(ReadOnlyAdmin):
    list_display = ("key_result", "connection", "mode", "last_synced_at", "last_error_kind")
    list_filter = ("mode", "last_error_kind", "organisation")
    list_select_related = ("key_result", "connection")


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "binding",
        "trigger",
        "status",
        "attempt",
        "queued_at",
        "error_kind",
        "worker_id",
    )
    list_filter = ("status", "trigger", "error_kind")
    list_select_related = ("binding",)
