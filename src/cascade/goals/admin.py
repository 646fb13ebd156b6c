from django.contrib import admin

from cascade.core.admin import ReadOnlyAdmin
from cascade.goals.models import CheckIn, Contribution, Goal, GoalProgress, KeyResult


@admin.register(Goal)
class GoalAdmin(ReadOnlyAdmin):
    list_display = ("title", "organisation", "owner", "period", "state", "visibility", "progress")
    list_filter = ("organisation", "state", "visibility", "period")
    search_fields = ("title",)
    list_select_related = ("organisation", "owner__user", "period")


@admin.register(KeyResult)
class KeyResultAdmin(ReadOnlyAdmin):
    list_display = ("title", "goal", "kind", "start", "target", "current", "unit", "weight")
    list_filter = ("kind", "organisation")
    search_fields = ("title",)
    list_select_related = ("goal",)


@admin.register(Contribution)
class ContributionAdmin(ReadOnlyAdmin):
    list_display = ("junior", "senior", "weight", "organisation")
    list_select_related = ("junior", "senior", "organisation")


@admin.register(CheckIn)
class CheckInAdmin(ReadOnlyAdmin):
    list_display = ("key_result", "value", "confidence", "source", "author", "created_at")
    list_filter = ("source", "organisation")
    list_select_related = ("key_result", "author__user")


@admin.register(GoalProgress)
class GoalProgressAdmin(ReadOnlyAdmin):
    list_display = ("goal", "at", "progress", "cause")
    list_filter = ("cause", "organisation")
    list_select_related = ("goal",)
