"""``/notifications`` and ``/notification-preferences``: the caller's own inbox and their channel
per topic. Nobody reads or marks anyone else's: another person's notification does not exist
for the caller (404)."""

from __future__ import annotations

from typing import Annotated, Any, Self

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from pydantic import model_validator

from cascade.api import presenters
from cascade.api.auth import actor
from cascade.api.errors import ApiError, errors
from cascade.api.fields import BodyId, Flag, QueryFlag
from cascade.api.pagination import PageParams, page, page_of
from cascade.api.schemas import (
    MarkedRead,
    NotificationPage,
    NotificationPreferenceList,
    NotificationPreferenceOut,
)
from cascade.core.errors import NotFound
from cascade.notifications import selectors, services
from cascade.notifications.topics import Channel, Topic

router = Router(tags=["notifications"])


class NotificationFilters(Schema):
    unread: QueryFlag | None = None


class MarkReadIn(Schema):
    model_config = {"extra": "forbid"}

    ids: Annotated[list[BodyId], Field(max_length=500)] | None = None
    all: Flag = False

    @model_validator(mode="after")
    def one_of_the_two(self) -> Self:
        if (self.ids is None) == (not self.all):
            raise ValueError('Send either "ids" (a list) or "all": true.')
        return self


class PreferenceIn(Schema):
    model_config = {"extra": "forbid"}

    channel: str = Field(
        description="inbox, email, chat (once Slack or Teams is connected) or off."
    )


@router.get("/notifications", response={200: NotificationPage, **errors(400, 401)})
def list_notifications(
    request: HttpRequest, filters: Query[NotificationFilters], paging: Query[PageParams]
) -> dict[str, Any]:
    """The caller's notifications, newest first; `unread=true` keeps the unread ones, `false`
    the read ones. `link` is a path of the web app."""
    me = actor(request)
    objects, meta = page_of(selectors.inbox(me, unread=filters.unread), paging)
    return page([presenters.notification(n) for n in objects], meta)


@router.post("/notifications/read", response={200: MarkedRead, **errors(400, 401, 404)})
def mark_read(request: HttpRequest, payload: MarkReadIn) -> dict[str, Any]:
    """Mark notifications read: `{"ids": [...]}` (the caller's own; any other id is a 404 and
    nothing is marked) or `{"all": true}`. Answers how many changed and how many are unread."""
    me = actor(request)
    ids = None
    if payload.ids is not None:
        ids = set(payload.ids)
        if selectors.inbox(me).filter(pk__in=ids).count() != len(ids):
            raise ApiError(404, "not_found", "No such notification.")
    marked = services.mark_read(actor=me, notification_ids=ids)
    return {"marked": marked, "unread": selectors.unread_count(me)}


def _preferences(me: Any) -> list[dict[str, Any]]:
    return [
        {
            "topic": c.topic.value,
            "label": c.topic.label,
            "channel": c.channel.value,
            "is_default": c.is_default,
        }
        for c in selectors.preferences(me)
    ]


@router.get(
    "/notification-preferences", response={200: NotificationPreferenceList, **errors(400, 401)}
)
def list_preferences(request: HttpRequest) -> dict[str, Any]:
    """Every topic with the caller's channel for it, and whether that is the default (no
    choice made yet). `chat_available` says whether Slack or Teams can be chosen."""
    me = actor(request)
    return {
        "items": _preferences(me),
        "channels": list(Channel.values),
        "chat_available": services.chat_connected(me.organisation_id),
    }


@router.put(
    "/notification-preferences/{topic}",
    response={200: NotificationPreferenceOut, **errors(400, 401, 404)},
)
def put_preference(request: HttpRequest, topic: str, payload: PreferenceIn) -> dict[str, Any]:
    """Choose the caller's channel for one topic. A topic that does not exist is a 404;
    `channel_unknown`, and `chat_not_connected` until Slack or Teams is connected, are 400s."""
    me = actor(request)
    if topic not in Topic.values:
        raise NotFound("No such topic.")
    services.set_preference(actor=me, member=me, topic=topic, channel=payload.channel)
    return next(p for p in _preferences(me) if p["topic"] == Topic(topic).value)
