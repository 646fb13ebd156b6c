"""Web pages of the data sources: connections (settings, super users) and a key result's source.

Views parse, call one service or selector, and render. A refused input is shown next to its
field with status 400, and nothing is saved.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from cascade import permissions
from cascade.goals import selectors as goal_selectors
from cascade.goals.models import KeyResult
from cascade.integrations import selectors, services
from cascade.integrations.errors import ErrorKind
from cascade.integrations.forms import BindingForm, ConnectionForm
from cascade.integrations.models import Binding, Connection, Service
from cascade.orgs.models import Member
from cascade.web.forms import show_errors
from cascade.web.membership import member_view, super_user_view


def _url(member: Member, name: str, **kwargs: Any) -> str:
    return reverse(name, kwargs={"org": member.organisation.slug, **kwargs})


def _status(form: Any) -> int:
    return 400 if form.errors else 200


# --------------------------------------------------------------------------- connections


@super_user_view
def connections(request: HttpRequest, member: Member) -> HttpResponse:
    context = {"connections": selectors.connections(member), "services": Service.choices}
    return render(request, "integrations/connections.html", context)


@super_user_view
def connection_new(request: HttpRequest, member: Member, service: str) -> HttpResponse:
    if service not in Service.values:
        raise Http404("No such service.")
    form = ConnectionForm(request.POST or None, service=service)
    if request.method == "POST" and form.is_valid():
        try:
            connection = services.create_connection(actor=member, service=service, **form.values())
        except ValidationError as error:
            show_errors(form, error, aliases={"secret": _secret_field(form)})
        else:
            messages.success(
                request, f"Saved “{connection.name}”. Test it to see that Cascade can sign in."
            )
            return redirect(_url(member, "settings-connection", connection_id=connection.pk))
    context = {"form": form, "service_label": Service(service).label, "connection": None}
    return render(request, "integrations/connection_form.html", context, status=_status(form))


def _secret_field(form: ConnectionForm) -> str:
    if form.service != Service.SALESFORCE:
        return "secret"
    return "private_key" if form.data.get("auth_method") == "jwt_bearer" else "client_secret"


@super_user_view
def connection_detail(request: HttpRequest, member: Member, connection_id: int) -> HttpResponse:
    """GET: the connection (never its secret), what it feeds; POST: change it."""
    connection = selectors.get_connection(member, connection_id)
    form = ConnectionForm(
        request.POST or None,
        service=connection.service,
        editing=True,
        initial=ConnectionForm.initial_for(connection),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.change_connection(actor=member, connection=connection, **form.values())
        except ValidationError as error:
            show_errors(form, error, aliases={"secret": _secret_field(form)})
        else:
            messages.success(request, f"Saved “{form.cleaned_data['name']}”.")
            return redirect(_url(member, "settings-connection", connection_id=connection.pk))
    context = {
        "form": form,
        "connection": connection,
        "service_label": connection.get_service_display(),
        "bindings": selectors.bound_key_results(connection),
    }
    return render(request, "integrations/connection_form.html", context, status=_status(form))


@super_user_view
@require_POST
def connection_test(request: HttpRequest, member: Member, connection_id: int) -> HttpResponse:
    connection = selectors.get_connection(member, connection_id)
    result = services.try_connection(actor=member, connection=connection)
    if result.ok:
        messages.success(request, f"It works. {result.message}")
    else:
        reference = f" (request {result.request_id})" if result.request_id else ""
        messages.error(request, f"The test failed. {_test_failure(connection, result)}{reference}")
    return redirect(_url(member, "settings-connection", connection_id=connection.pk))


def _test_failure(connection: Connection, result: services.TestResult) -> str:
    """What went wrong, without saying the service said something when it never answered."""
    service = connection.get_service_display()
    if result.error_kind == ErrorKind.NETWORK:
        return result.message  # "Could not reach Jira Cloud at jira.example.com: …"
    if result.error_kind == ErrorKind.TIMEOUT:
        return f"Could not reach {service}: {result.message}"
    return f"{service} said: {result.message}"


@super_user_view
@require_POST
def connection_remove(request: HttpRequest, member: Member, connection_id: int) -> HttpResponse:
    connection = selectors.get_connection(member, connection_id)
    try:
        services.remove_connection(actor=member, connection=connection)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(_url(member, "settings-connection", connection_id=connection.pk))
    messages.success(request, f"Removed “{connection.name}”.")
    return redirect(_url(member, "settings-connections"))


# --------------------------------------------------------------------------- a key result's source


def _goal_url(member: Member, kr: KeyResult) -> str:
    return _url(member, "goal-detail", goal_id=kr.goal_id) + f"#kr-{kr.pk}"


def _binding_initial(binding: Binding | None) -> dict[str, Any]:
    if binding is None:
        return {"interval_minutes": 60}
    return {
        "connection": binding.connection,
        "mode": binding.mode,
        "query": binding.query,
        "field": binding.field,
        "interval_minutes": binding.interval_minutes,
    }


@member_view
def data_source(request: HttpRequest, member: Member, kr_id: int) -> HttpResponse:
    """A key result's data source: what it is bound to, its recent runs, and the form to bind it.

    POST with ``action=preview`` shows the value the query gives now, without saving.
    """
    kr = goal_selectors.get_key_result(member, kr_id)
    can_bind = permissions.can_bind_key_result(member, kr.goal)
    binding = selectors.binding_of(kr)
    if request.method == "POST" and not can_bind:
        permissions.require(False, services.OWNER_ONLY)
    form = BindingForm(request.POST or None, member=member, initial=_binding_initial(binding))
    preview = None
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        try:
            if request.POST.get("action") == "preview":
                preview = services.preview(
                    actor=member,
                    key_result=kr,
                    connection=values["connection"],
                    mode=values["mode"],
                    query=values["query"],
                    field=values["field"],
                )
            else:
                services.bind_key_result(actor=member, key_result=kr, **values)
                messages.success(
                    request,
                    f"“{kr.title}” now takes its value from {values['connection'].name}; the first sync is on its way.",
                )
                return redirect(_goal_url(member, kr))
        except ValidationError as error:
            show_errors(form, error)
    context = {
        "kr": kr,
        "goal": kr.goal,
        "binding": binding,
        "runs": selectors.recent_runs(binding) if binding else [],
        "form": form,
        "preview": preview,
        "can_bind": can_bind,
        "has_connections": form.fields["connection"].queryset.exists(),  # type: ignore[attr-defined]
    }
    return render(request, "integrations/data_source.html", context, status=_status(form))


@member_view
@require_POST
def data_source_remove(request: HttpRequest, member: Member, kr_id: int) -> HttpResponse:
    kr = goal_selectors.get_key_result(member, kr_id)
    services.unbind_key_result(actor=member, key_result=kr)
    messages.success(request, f"“{kr.title}” takes check-ins by hand again.")
    return redirect(_goal_url(member, kr))


@member_view
@require_POST
def sync_now(request: HttpRequest, member: Member, kr_id: int) -> HttpResponse:
    kr = goal_selectors.get_key_result(member, kr_id)
    try:
        _, created = services.request_sync(actor=member, key_result=kr)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if created:
            messages.success(request, f"Syncing “{kr.title}”: the value follows in a moment.")
        else:
            messages.info(request, f"A sync of “{kr.title}” is already on its way.")
    return redirect(_goal_url(member, kr))
