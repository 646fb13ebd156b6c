"""The rows of the endpoint table (``test_every_endpoint.py``) for the inbox and the channel per
topic. Everything here is the caller's own: another person's notification, in Acme or
elsewhere, does not exist for them (404), and a preference is always the caller's."""

from __future__ import annotations

from typing import Any

from cascade.notifications import services
from cascade.notifications.models import Notification
from cascade.notifications.services import Message
from cascade.notifications.topics import Topic
from cascade.orgs.models import Member
from tests.api.conftest import Org

OWN_ONLY = "the caller's own notifications and preferences: there is nobody else's to reach"


def note(member: Member) -> Notification:
    [stored] = services.notify(
        [Message(recipient=member, topic=Topic.MADE_OWNER, title="You now own a goal")]
    )
    return stored


def olgas(o: Org) -> str:
    note(o.olga)
    return "/notifications?unread=true"


def only_olgas(o: Org, body: Any) -> bool:
    theirs = set(Notification.objects.exclude(recipient=o.olga).values_list("pk", flat=True))
    return bool(body["items"]) and not {i["id"] for i in body["items"]} & theirs


def notification_rows(call: Any) -> dict[str, dict[str, Any]]:
    return {
        "GET /notifications": {
            "success": call("olga", "GET", olgas, check=only_olgas),
            "invalid": call(
                "olga", "GET", "/notifications?unread=maybe", status=400, code="validation_error"
            ),
            "forbidden": OWN_ONLY,
            "elsewhere": OWN_ONLY,
        },
        "POST /notifications/read": {
            "success": call(
                "olga",
                "POST",
                "/notifications/read",
                lambda o: {"ids": [note(o.olga).pk]},
                check=lambda o, body: body == {"marked": 1, "unread": 0},
            ),
            "invalid": call(
                "olga", "POST", "/notifications/read", {"all": False}, 400, "validation_error"
            ),
            "forbidden": call(
                "olga",
                "POST",
                "/notifications/read",
                lambda o: {"ids": [note(o.vera).pk]},
                404,
                "not_found",
            ),
            "elsewhere": call(
                "olga",
                "POST",
                "/notifications/read",
                lambda o: {"ids": [note(o.other.ceo).pk]},
                404,
                "not_found",
            ),
        },
        "GET /notification-preferences": {
            "success": call(
                "olga",
                "GET",
                "/notification-preferences",
                check=lambda o, body: (
                    len(body["items"]) == len(Topic) and all(p["is_default"] for p in body["items"])
                ),
            ),
            "invalid": "takes no input at all",
            "forbidden": OWN_ONLY,
            "elsewhere": OWN_ONLY,
        },
        "PUT /notification-preferences/{topic}": {
            "success": call(
                "olga",
                "PUT",
                "/notification-preferences/mention",
                {"channel": "off"},
                check=lambda o, body: body["channel"] == "off" and not body["is_default"],
            ),
            "invalid": call(
                "olga",
                "PUT",
                "/notification-preferences/mention",
                {"channel": "chat"},
                400,
                "validation_error",
                check=lambda o, body: "chat_not_connected" in str(body["error"]["field_codes"]),
            ),
            "forbidden": OWN_ONLY,
            "elsewhere": OWN_ONLY,
        },
    }
