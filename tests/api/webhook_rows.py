"""The rows of the endpoint table (``test_every_endpoint.py``) for the webhooks: ``/webhooks``,
their deliveries and replays. Super users only (the CEO; Olga is refused with 403); the other
organisation's endpoints and deliveries do not exist for Acme (404). The URLs are never called:
the deliveries these rows make wait in the task queue, which no worker runs here."""

from __future__ import annotations

import itertools
from typing import Any

from cascade.audit.models import AuditEvent, EventKind
from cascade.orgs.models import Member
from cascade.webhooks import services
from cascade.webhooks.models import Delivery, DeliveryStatus, Endpoint
from tests.api.conftest import Org

_names = itertools.count(1)


def endpoint(member: Member) -> Endpoint:
    return services.create_endpoint(
        actor=member, url=f"https://hooks.example.com/{next(_names)}"
    ).endpoint


def delivery(member: Member) -> Delivery:
    """A delivery of one of ``member``'s organisation's events, failed (so replayable)."""
    hook = endpoint(member)
    event = AuditEvent.objects.filter(organisation_id=member.organisation_id).latest("pk")
    return Delivery.objects.create(
        organisation_id=member.organisation_id,
        endpoint=hook,
        event_id=event.pk,
        kind=event.kind,
        payload={"type": event.kind, "timestamp": "", "data": {}},
        status=DeliveryStatus.FAILED,
        attempts=6,
        last_status_code=500,
    )


def no_secret_after_creation(o: Org, body: Any) -> bool:
    return all("secret" not in item for item in body["items"]) and bool(body["items"])


def only_ours(o: Org, body: Any) -> bool:
    theirs = set(
        Endpoint.objects.filter(organisation=o.other.organisation).values_list("pk", flat=True)
    )
    return bool(body["items"]) and not {i["id"] for i in body["items"]} & theirs


def both(o: Org) -> str:
    endpoint(o.ceo)
    endpoint(o.other.ceo)
    return "/webhooks"


def webhook_rows(call: Any) -> dict[str, dict[str, Any]]:
    return {
        "GET /webhooks": {
            "success": call("ceo", "GET", both, check=no_secret_after_creation),
            "invalid": call("ceo", "GET", "/webhooks?limit=0", status=400),
            "forbidden": call("olga", "GET", "/webhooks", status=403),
            "elsewhere": call("ceo", "GET", both, check=only_ours),
        },
        "POST /webhooks": {
            "success": call(
                "ceo",
                "POST",
                "/webhooks",
                {"url": "https://hooks.example.com/new", "kinds": [EventKind.CHECKED_IN]},
                201,
                check=lambda o, body: (
                    body["secret"].startswith("whsec_")
                    and body["kinds"] == ["key_result.checked_in"]
                ),
            ),
            "invalid": call(
                "ceo",
                "POST",
                "/webhooks",
                {"url": "http://hooks.example.com/"},
                400,
                check=rule("https_required"),
            ),
            "forbidden": call(
                "olga", "POST", "/webhooks", {"url": "https://hooks.example.com/"}, 403
            ),
            "elsewhere": "a new webhook belongs to the caller's organisation: no other to reach",
        },
        "PATCH /webhooks/{webhook_id}": {
            "success": call(
                "ceo",
                "PATCH",
                lambda o: f"/webhooks/{endpoint(o.ceo).pk}",
                {"active": False, "kinds": "all"},
                check=lambda o, body: body["active"] is False and body["kinds"] == "all",
            ),
            "invalid": call(
                "ceo",
                "PATCH",
                lambda o: f"/webhooks/{endpoint(o.ceo).pk}",
                {"kinds": ["goal.eaten"]},
                400,
                check=rule("kind_unknown"),
            ),
            "forbidden": call(
                "olga", "PATCH", lambda o: f"/webhooks/{endpoint(o.ceo).pk}", {"active": False}, 403
            ),
            "elsewhere": call(
                "ceo",
                "PATCH",
                lambda o: f"/webhooks/{endpoint(o.other.ceo).pk}",
                {"active": False},
                404,
            ),
        },
        "DELETE /webhooks/{webhook_id}": {
            "success": call(
                "ceo", "DELETE", lambda o: f"/webhooks/{endpoint(o.ceo).pk}", status=204
            ),
            "invalid": call("ceo", "DELETE", "/webhooks/0", status=400),
            "forbidden": call(
                "olga", "DELETE", lambda o: f"/webhooks/{endpoint(o.ceo).pk}", status=403
            ),
            "elsewhere": call(
                "ceo", "DELETE", lambda o: f"/webhooks/{endpoint(o.other.ceo).pk}", status=404
            ),
        },
        "GET /webhooks/{webhook_id}/deliveries": {
            "success": call(
                "ceo",
                "GET",
                lambda o: f"/webhooks/{delivery(o.ceo).endpoint_id}/deliveries",
                check=lambda o, body: body["count"] == 1 and body["items"][0]["status"] == "failed",
            ),
            "invalid": call(
                "ceo",
                "GET",
                lambda o: f"/webhooks/{endpoint(o.ceo).pk}/deliveries?offset=-1",
                status=400,
            ),
            "forbidden": call(
                "olga", "GET", lambda o: f"/webhooks/{endpoint(o.ceo).pk}/deliveries", status=403
            ),
            "elsewhere": call(
                "ceo",
                "GET",
                lambda o: f"/webhooks/{delivery(o.other.ceo).endpoint_id}/deliveries",
                status=404,
            ),
        },
        "POST /webhook-deliveries/{delivery_id}/replay": {
            "success": call(
                "ceo",
                "POST",
                lambda o: f"/webhook-deliveries/{delivery(o.ceo).pk}/replay",
                status=201,
                check=lambda o, body: body["status"] == "pending" and body["replay_of"],
            ),
            "invalid": call(
                "ceo",
                "POST",
                lambda o: f"/webhook-deliveries/{switched_off(o)}/replay",
                status=400,
                check=rule("webhook_inactive"),
            ),
            "forbidden": call(
                "olga",
                "POST",
                lambda o: f"/webhook-deliveries/{delivery(o.ceo).pk}/replay",
                status=403,
            ),
            "elsewhere": call(
                "ceo",
                "POST",
                lambda o: f"/webhook-deliveries/{delivery(o.other.ceo).pk}/replay",
                status=404,
            ),
        },
    }


def rule(code: str) -> Any:
    def check(o: Org, body: Any) -> bool:
        error = body["error"]
        return code in (error["reason"], *error["field_codes"].values()) or any(
            code in codes for codes in error["field_codes"].values()
        )

    return check


def switched_off(o: Org) -> int:
    failed = delivery(o.ceo)
    Endpoint.objects.filter(pk=failed.endpoint_id).update(active=False)
    return failed.pk
