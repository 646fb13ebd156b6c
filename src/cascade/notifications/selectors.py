"""Reads of notifications: a person's own inbox and their channel per topic, nobody else's."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from cascade.notifications.models import Notification, Preference
from cascade.notifications.topics import DEFAULTS, Channel, Topic
from cascade.orgs.models import Member


def inbox(actor: Member, *, unread: bool | None = None) -> QuerySet[Notification]:
    """The actor's notifications, newest first; ``unread=True`` keeps the unread ones, ``False``
    the read ones. The recipient is the actor, so it is scoped to their organisation too."""
    rows = Notification.objects.filter(
        recipient=actor, organisation_id=actor.organisation_id
    ).order_by("-created_at", "-id")
    if unread is not None:
        rows = rows.filter(read_at__isnull=unread)
    return rows


def unread_count(actor: Member) -> int:
    return inbox(actor, unread=True).count()


def get_notification(actor: Member, notification_id: int) -> Notification | None:
    """One of the actor's own notifications, or None (someone else's does not exist for them)."""
    return inbox(actor).filter(pk=notification_id).first()


@dataclass(frozen=True)
class Choice:
    """A person's channel for one topic, and whether it is the default (no choice made)."""

    topic: Topic
    channel: Channel
    is_default: bool


def preferences(actor: Member) -> list[Choice]:
    """Every topic, in the order of ``Topic``, with the actor's channel. One query."""
    chosen = dict(Preference.objects.filter(member=actor).values_list("topic", "channel"))
    return [
        Choice(topic, Channel(chosen.get(topic, DEFAULTS[topic])), topic not in chosen)
        for topic in Topic
    ]
