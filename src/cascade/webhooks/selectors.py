"""Every read of the webhooks: super users only, within their organisation (others get 404)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from cascade import permissions
from cascade.core.errors import NotFound
from cascade.orgs.models import Member
from cascade.webhooks.models import Delivery, DeliveryStatus, Endpoint

RECENT = 50


def _require(actor: Member) -> None:
    permissions.require(permissions.can_manage_webhooks(actor), "Only super users manage webhooks.")


def endpoints(actor: Member) -> QuerySet[Endpoint]:
    """The organisation's endpoints, with how their deliveries stand (one query)."""
    _require(actor)
    return Endpoint.objects.filter(organisation_id=actor.organisation_id).annotate(
        pending=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.PENDING)),
        failed=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.FAILED)),
    )


def get_endpoint(actor: Member, endpoint_id: int) -> Endpoint:
    _require(actor)
    endpoint = Endpoint.objects.filter(
        organisation_id=actor.organisation_id, pk=endpoint_id
    ).first()
    if endpoint is None:
        raise NotFound("No such webhook in this organisation.")
    return endpoint


def deliveries(endpoint: Endpoint) -> QuerySet[Delivery]:
    """An endpoint's deliveries, newest first (got through ``get_endpoint``)."""
    return Delivery.objects.filter(endpoint=endpoint).order_by("-created_at", "-id")


def get_delivery(actor: Member, delivery_id: int) -> Delivery:
    _require(actor)
    delivery = (
        Delivery.objects.filter(organisation_id=actor.organisation_id, pk=delivery_id)
        .select_related("endpoint")
        .first()
    )
    if delivery is None:
        raise NotFound("No such delivery in this organisation.")
    return delivery
