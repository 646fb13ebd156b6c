"""The webhooks' pages, under the organisation's settings (super users only).

The list (and the form to add one: the new secret is shown on the answer to that POST, once,
never put in a message or a session), an endpoint's page with its recent deliveries and a
"Replay" button on each, and the posts that switch one off or on, remove it, replay a delivery.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from cascade.orgs.models import Member
from cascade.web.forms import show_errors
from cascade.web.membership import super_user_view
from cascade.webhooks import selectors, services

RECENT = 50


def _url(member: Member, name: str, **kwargs: Any) -> str:
    return reverse(name, kwargs={"org": member.organisation.slug, **kwargs})


@super_user_view
def endpoints(request: HttpRequest, member: Member) -> HttpResponse:
    from cascade.webhooks.forms import EndpointForm

    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.create_endpoint(actor=member, **form.values())
        except ValidationError as error:
            show_errors(form, error)
        else:
            context = {
                "endpoint": created.endpoint,
                "secret": created.secret,
                "deliveries": [],
            }
            return render(request, "webhooks/endpoint.html", context, status=201)
    context = {"endpoints": list(selectors.endpoints(member)), "form": form}
    return render(request, "webhooks/endpoints.html", context, status=400 if form.errors else 200)


@super_user_view
def endpoint(request: HttpRequest, member: Member, endpoint_id: int) -> HttpResponse:
    found = selectors.get_endpoint(member, endpoint_id)
    context = {
        "endpoint": found,
        "secret": None,
        "deliveries": list(selectors.deliveries(found)[:RECENT]),
    }
    return render(request, "webhooks/endpoint.html", context)


@super_user_view
@require_POST
def switch(request: HttpRequest, member: Member, endpoint_id: int) -> HttpResponse:
    found = selectors.get_endpoint(member, endpoint_id)
    turned_on = not found.active
    services.change_endpoint(actor=member, endpoint=found, active=turned_on)
    messages.success(
        request,
        "Switched on: new events are sent."
        if turned_on
        else "Switched off: nothing is sent until it is switched on.",
    )
    return redirect(_url(member, "settings-webhook", endpoint_id=found.pk))


@super_user_view
@require_POST
def remove(request: HttpRequest, member: Member, endpoint_id: int) -> HttpResponse:
    found = selectors.get_endpoint(member, endpoint_id)
    services.remove_endpoint(actor=member, endpoint=found)
    messages.success(request, f"Removed the webhook to {found.url}.")
    return redirect(_url(member, "settings-webhooks"))


@super_user_view
@require_POST
def replay(request: HttpRequest, member: Member, delivery_id: int) -> HttpResponse:
    delivery = selectors.get_delivery(member, delivery_id)
    try:
        services.replay(actor=member, delivery=delivery)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Queued to be sent again.")
    return redirect(_url(member, "settings-webhook", endpoint_id=delivery.endpoint_id))
