"""The webhooks in the REST API: ``/webhooks`` and ``/webhook-deliveries/{id}/replay``.

Super users only (403 for everyone else); another organisation's endpoints and deliveries do not
exist (404). The secret comes back once, in the answer to ``POST /webhooks``, and never again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import StringConstraints

from cascade.api.auth import actor
from cascade.api.errors import errors
from cascade.api.fields import STORABLE, Id
from cascade.api.pagination import Page, PageParams, page, page_of
from cascade.audit.models import EventKind
from cascade.webhooks import selectors, services
from cascade.webhooks.models import Delivery, Endpoint

router = Router(tags=["webhooks"])

Url = Annotated[str, StringConstraints(max_length=500), STORABLE]
Description = Annotated[str, StringConstraints(max_length=200), STORABLE]
KindName = Annotated[str, StringConstraints(max_length=40), STORABLE]
Kinds = Literal["all"] | Annotated[list[KindName], Field(min_length=1, max_length=len(EventKind))]
KINDS_HELP = (
    '"all", or a list of audit event kinds (such as `key_result.checked_in`, `goal.closed`): '
    "the `kind` values of `GET /audit-events`."
)


class WebhookOut(Schema):
    id: int
    url: str
    description: str
    kinds: Literal["all"] | list[str] = Field(description=KINDS_HELP)
    active: bool
    disabled_reason: str = Field(
        description='Why Cascade switched it off (a "410 Gone" answer), or "".'
    )
    created_at: datetime


class WebhookCreatedOut(WebhookOut):
    secret: str = Field(
        description="The signing secret (`whsec_…`): shown this once, never again. "
        "See “Webhooks” in the API guide for verifying a signature."
    )


class WebhookPage(Page):
    items: list[WebhookOut]


class WebhookIn(Schema):
    model_config = {"extra": "forbid"}

    url: Url = Field(description="An https URL on the public internet.")
    description: Description = ""
    kinds: Kinds = Field("all", description=KINDS_HELP)


class WebhookPatch(Schema):
    model_config = {"extra": "forbid"}

    url: Url | None = None
    description: Description | None = None
    kinds: Kinds | None = Field(None, description=KINDS_HELP)
    active: bool | None = Field(None, description="false switches it off; true on again.")


class DeliveryOut(Schema):
    id: int
    webhook: int
    event: int = Field(description="The audit event's id; the message's `webhook-id` is evt_<id>.")
    kind: str
    status: Literal["pending", "succeeded", "failed"]
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str
    replay_of: int | None
    created_at: datetime
    delivered_at: datetime | None
    payload: dict[str, Any]


class DeliveryPage(Page):
    items: list[DeliveryOut]


def webhook_out(endpoint: Endpoint) -> dict[str, Any]:
    return {
        "id": endpoint.pk,
        "url": endpoint.url,
        "description": endpoint.description,
        "kinds": endpoint.kinds or "all",
        "active": endpoint.active,
        "disabled_reason": endpoint.disabled_reason,
        "created_at": endpoint.created_at,
    }


def delivery_out(delivery: Delivery) -> dict[str, Any]:
    return {
        "id": delivery.pk,
        "webhook": delivery.endpoint_id,
        "event": delivery.event_id,
        "kind": delivery.kind,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "next_attempt_at": delivery.next_attempt_at,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "replay_of": delivery.replay_of_id,
        "created_at": delivery.created_at,
        "delivered_at": delivery.delivered_at,
        "payload": delivery.payload,
    }


@router.get("/webhooks", response={200: WebhookPage, **errors(400, 401, 403)})
def list_webhooks(request: HttpRequest, paging: Query[PageParams]) -> dict[str, Any]:
    """The organisation's webhook endpoints, oldest first (super users)."""
    objects, meta = page_of(selectors.endpoints(actor(request)), paging)
    return page([webhook_out(e) for e in objects], meta)


@router.post("/webhooks", response={201: WebhookCreatedOut, **errors(400, 401, 403)})
def create_webhook(request: HttpRequest, payload: WebhookIn) -> Status:
    """Register an endpoint for some kinds of events, or all. The answer holds the signing
    secret, the only time it is shown."""
    created = services.create_endpoint(
        actor=actor(request), url=payload.url, description=payload.description, kinds=payload.kinds
    )
    return Status(201, {**webhook_out(created.endpoint), "secret": created.secret})


@router.patch("/webhooks/{webhook_id}", response={200: WebhookOut, **errors(400, 401, 403, 404)})
def patch_webhook(request: HttpRequest, webhook_id: Id, payload: WebhookPatch) -> dict[str, Any]:
    """Change the URL, description or kinds, or switch it off (`active: false`) and on."""
    me = actor(request)
    endpoint = selectors.get_endpoint(me, webhook_id)
    changes = {
        name: getattr(payload, name)
        for name in payload.model_fields_set
        if getattr(payload, name) is not None
    }
    return webhook_out(services.change_endpoint(actor=me, endpoint=endpoint, **changes))


@router.delete("/webhooks/{webhook_id}", response={204: None, **errors(400, 401, 403, 404)})
def delete_webhook(request: HttpRequest, webhook_id: Id) -> HttpResponse:
    """Remove an endpoint and its deliveries' log."""
    me = actor(request)
    services.remove_endpoint(actor=me, endpoint=selectors.get_endpoint(me, webhook_id))
    return HttpResponse(status=204)


@router.get(
    "/webhooks/{webhook_id}/deliveries",
    response={200: DeliveryPage, **errors(400, 401, 403, 404)},
)
def list_deliveries(
    request: HttpRequest, webhook_id: Id, paging: Query[PageParams]
) -> dict[str, Any]:
    """The endpoint's deliveries, newest first: status, attempts, the last answer."""
    endpoint = selectors.get_endpoint(actor(request), webhook_id)
    objects, meta = page_of(selectors.deliveries(endpoint), paging)
    return page([delivery_out(d) for d in objects], meta)


@router.post(
    "/webhook-deliveries/{delivery_id}/replay",
    response={201: DeliveryOut, **errors(400, 401, 403, 404)},
)
def replay_delivery(request: HttpRequest, delivery_id: Id) -> Status:
    """Send a delivery's message again, as a new delivery (the same `webhook-id`)."""
    me = actor(request)
    again = services.replay(actor=me, delivery=selectors.get_delivery(me, delivery_id))
    return Status(201, delivery_out(again))
