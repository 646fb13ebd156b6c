from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path

from cascade.core.admin import ReadOnlyAdmin
from cascade.orgs import setup
from cascade.orgs.models import Member, Organisation, Period, Team


class CreateOrganisationForm(forms.Form):
    name = forms.CharField(max_length=120)
    slug = forms.SlugField(max_length=60, required=False, help_text="Blank: made from the name.")
    timezone = forms.CharField(max_length=64, initial="UTC")
    admin_email = forms.EmailField(label="First super user's email")
    admin_name = forms.CharField(
        max_length=150,
        required=False,
        label="Their full name",
        help_text="For someone new to Cascade.",
    )


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyAdmin):
    """Read-only, with one action: create an organisation, whose first super user is emailed
    an invitation (the operator never chooses someone else's password)."""

    list_display = ("name", "slug", "timezone", "created_at")
    search_fields = ("name", "slug")
    change_list_template = "admin/orgs/organisation/change_list.html"

    def get_urls(self) -> list[URLPattern]:
        create = path(
            "create/",
            self.admin_site.admin_view(self.create_organisation),
            name="orgs_organisation_create",
        )
        return [create, *super().get_urls()]

    def create_organisation(self, request: HttpRequest) -> HttpResponse:
        if not request.user.is_superuser:  # the installation's operator, not any staff member
            raise PermissionDenied("Only the installation's super users create organisations.")
        form = CreateOrganisationForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                created = setup.create_for_operator(
                    **form.cleaned_data, site_url=request.build_absolute_uri("/")
                )
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                organisation = created.founder.organisation
                messages.success(
                    request,
                    f"Created {organisation.name}; {created.founder.user.email} was emailed an "
                    "invitation to join it as its super user.",
                )
                return redirect("admin:orgs_organisation_changelist")
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "title": "Create an organisation",
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/orgs/organisation/create.html", context)


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
