"""Every write of the webhooks: register, change, remove an endpoint; replay a delivery.

Super users only; each write records one audit event (which goes out to the webhooks like any
other). The secret is made here, returned once by ``create_endpoint`` and stored sealed.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from cascade import permissions
from cascade.audit.models import EventKind
from cascade.audit.services import record
from cascade.core import clock
from cascade.core.errors import invalid
from cascade.core.text import clean_text
from cascade.core.transactions import atomic_with_retries
from cascade.integrations.encryption import seal
from cascade.orgs.models import Member
from cascade.webhooks import targets
from cascade.webhooks.models import Delivery, DeliveryStatus, Endpoint

SUPER_USERS_ONLY = "Only super users manage webhooks."
ALL = "all"


@dataclass(frozen=True)
class Created:
    endpoint: Endpoint
    secret: str  # shown once: it is not stored in the clear


def new_secret() -> str:
    """``whsec_`` and 32 random bytes in base64, as Standard Webhooks has it."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def clean_kinds(kinds: Any) -> list[str]:
    """ "all" (or an empty list) → [] (every kind); otherwise the distinct known kinds."""
    if kinds is None or kinds == ALL or kinds == [ALL] or kinds == []:
        return []
    if isinstance(kinds, str):
        kinds = [kinds]
    unknown = [k for k in kinds if k not in EventKind.values]
    if unknown:
        raise invalid(
            f"“{str(unknown[0])[:60]}” is not a kind of event. Choose from the list, or all.",
            "kind_unknown",
            "kinds",
        )
    return sorted(set(kinds))


def _require(actor: Member) -> None:
    permissions.require(permissions.can_manage_webhooks(actor), SUPER_USERS_ONLY)


def _same_organisation(actor: Member, thing: Endpoint | Delivery) -> None:
    permissions.require_same_organisation(actor, thing)


@atomic_with_retries
def create_endpoint(*, actor: Member, url: str, description: str = "", kinds: Any = ALL) -> Created:
    _require(actor)
    clean_url = targets.clean_url(url)
    secret = new_secret()
    try:
        sealed = seal(secret)
    except ImproperlyConfigured as error:
        raise invalid(str(error), "encryption_unavailable") from None
    endpoint = Endpoint.objects.create(
        organisation_id=actor.organisation_id,
        url=clean_url,
        description=clean_text(description, "description", max_length=200),
        kinds=clean_kinds(kinds),
        secret_sealed=sealed,
    )
    record(
        organisation=actor.organisation_id,
        actor=actor,
        kind=EventKind.WEBHOOK_CREATED,
        subject=endpoint,
        data={"url": endpoint.url, "kinds": endpoint.kinds or ALL},
    )
    return Created(endpoint=endpoint, secret=secret)


_UNSET: Any = object()


@atomic_with_retries
def change_endpoint(
    *,
    actor: Member,
    endpoint: Endpoint,
    url: str = _UNSET,
    description: str = _UNSET,
    kinds: Any = _UNSET,
    active: bool = _UNSET,
) -> Endpoint:
    """Change what is given; switching an endpoint on again clears why it was off."""
    _require(actor)
    _same_organisation(actor, endpoint)
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    changed: dict[str, Any] = {}
    if url is not _UNSET:
        endpoint.url = targets.clean_url(url)
        changed["url"] = endpoint.url
    if description is not _UNSET:
        endpoint.description = clean_text(description, "description", max_length=200)
        changed["description"] = endpoint.description
    if kinds is not _UNSET:
        endpoint.kinds = clean_kinds(kinds)
        changed["kinds"] = endpoint.kinds or ALL
    if active is not _UNSET:
        if not isinstance(active, bool):
            raise invalid("Say true or false.", "boolean_required", "active")
        endpoint.active = active
        endpoint.disabled_reason = ""
        changed["active"] = active
    endpoint.save()
    record(
        organisation=actor.organisation_id,
        actor=actor,
        kind=EventKind.WEBHOOK_CHANGED,
        subject=endpoint,
        data=changed,
    )
    return endpoint


@atomic_with_retries
def remove_endpoint(*, actor: Member, endpoint: Endpoint) -> None:
    """The endpoint goes, with its deliveries' log."""
    _require(actor)
    _same_organisation(actor, endpoint)
    record(
        organisation=actor.organisation_id,
        actor=actor,
        kind=EventKind.WEBHOOK_REMOVED,
        subject=endpoint,
        data={"url": endpoint.url},
    )
    endpoint.delete()


@atomic_with_retries
def replay(*, actor: Member, delivery: Delivery) -> Delivery:
    """Send a delivery's message again (same ``webhook-id``), as a new delivery of its own."""
    from cascade.webhooks import tasks

    _require(actor)
    _same_organisation(actor, delivery)
    endpoint = Endpoint.objects.get(pk=delivery.endpoint_id)
    if not endpoint.active:
        raise invalid("Switch the endpoint on before replaying to it.", "webhook_inactive")
    now = clock.now()
    again = Delivery.objects.create(
        organisation_id=delivery.organisation_id,
        endpoint=endpoint,
        event_id=delivery.event_id,
        kind=delivery.kind,
        payload=delivery.payload,
        status=DeliveryStatus.PENDING,
        next_attempt_at=now,
        replay_of=delivery,
        created_at=now,
    )
    record(
        organisation=actor.organisation_id,
        actor=actor,
        kind=EventKind.WEBHOOK_REPLAYED,
        subject=again,
        data={"endpoint": endpoint.pk, "replay_of": delivery.pk, "event": delivery.event_id},
    )
    transaction.on_commit(lambda: tasks.deliver.enqueue(again.pk))
    return again
