from django.contrib import admin

from cascade.core.admin import ReadOnlyAdmin
from cascade.orgs.models import Member, Organisation, Period, Team


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyAdmin):
    list_display = ("name", "slug", "timezone", "created_at")
    search_fields = ("name", "slug")


@admin.register(Member)
class MemberAdmin(ReadOnlyAdmin):
    list_display = ("user", "organisation", "role", "title", "manager", "is_active")
    list_filter = ("organisation", "role", "is_active")
    search_fields = ("user__email", "user__full_name", "title")
    list_select_related = ("user", "organisation", "manager__user")


@admin.register(Team)
class TeamAdmin(ReadOnlyAdmin):
    list_display = ("name", "organisation", "parent", "lead")
    list_filter = ("organisation",)
    list_select_related = ("organisation", "parent", "lead__user")


@admin.register(Period)
class PeriodAdmin(ReadOnlyAdmin):
    list_display = ("name", "organisation", "kind", "start", "end", "parent")
    list_filter = ("organisation", "kind")
