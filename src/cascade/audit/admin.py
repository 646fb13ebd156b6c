from django.contrib import admin

from cascade.audit.models import AuditEvent
from cascade.core.admin import ReadOnlyAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "organisation", "kind", "actor", "object_type", "object_id")
    list_filter = ("kind", "organisation")
    list_select_related = ("organisation", "actor__user")
