"""Telling people things: ``notify`` stores a notification in the inbox and, when the person's
channel for its topic says so, has it emailed by the worker after the transaction commits."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from cascade import permissions
from cascade.core import clock
from cascade.core.errors import invalid
from cascade.notifications.models import Notification, Preference
from cascade.notifications.tasks import BATCH, email_notification, email_notifications
from cascade.notifications.topics import DEFAULTS, Channel, Topic
from cascade.orgs.models import Member

_quiet: ContextVar[bool] = ContextVar("cascade_notifications_quiet", default=False)


@contextmanager
def without_email() -> Iterator[None]:
    """Notifications stored inside are kept in the inbox but never emailed: for replaying the
    past (the demo's twelve weeks), whose news is no news by email."""
    token = _quiet.set(True)
    try:
        yield
    finally:
        _quiet.reset(token)


@dataclass(frozen=True)
class Message:
    """What to tell one person; ``key`` (optional) makes it once-only for that person."""

    recipient: Member
    topic: Topic
    title: str
    body: str = ""
    link: str = ""
    goal_id: int | None = None
    key: str = ""
    data: dict[str, Any] = field(default_factory=dict)  # Notification.data


def channels(members: Iterable[Member], topic: Topic) -> dict[int, Channel]:
    """Each member's channel for the topic (their choice, else the default). One query."""
    ids = [m.pk for m in members]
    chosen = dict(
        Preference.objects.filter(member_id__in=ids, topic=topic).values_list(
            "member_id", "channel"
        )
    )
    return {pk: Channel(chosen.get(pk, DEFAULTS[topic])) for pk in ids}


def notify(messages: list[Message]) -> list[Notification]:
    """Store the messages of one topic or several, in one insert; skip those switched off and
    those whose key the person has had already (also when another worker stores it at the same
    moment: the unique key decides). Returns what was stored now."""
    by_topic: dict[Topic, list[Message]] = {}
    for message in messages:
        by_topic.setdefault(message.topic, []).append(message)
    wanted: list[tuple[Notification, Channel]] = []
    now = clock.now()
    for topic, group in by_topic.items():
        chosen = channels([m.recipient for m in group], topic)
        for m in group:
            channel = chosen[m.recipient.pk]
            if channel == Channel.OFF:
                continue
            row = Notification(
                organisation_id=m.recipient.organisation_id,
                recipient=m.recipient,
                topic=topic,
                # One line: a title is also an email's subject, where a newline is refused.
                title=" ".join(m.title.split())[:300],
                body=m.body[:4000],
                link=m.link,
                goal_id=m.goal_id,
                key=m.key,
                data=m.data,
                created_at=now,
            )
            wanted.append((row, channel))
    if not wanted:
        return []
    stored = _insert_new([row for row, _ in wanted])
    new = {row.pk for row in stored}  # by id: comparing models in a list is quadratic
    to_email = [
        row.pk
        for row, channel in wanted
        if channel == Channel.EMAIL and row.pk in new and not _quiet.get()
    ]
    if len(to_email) == 1:
        transaction.on_commit(lambda: email_notification.enqueue(to_email[0]))
    elif to_email:  # many at once (a reminder run): one task a batch, not one a person
        batches = [to_email[i : i + BATCH] for i in range(0, len(to_email), BATCH)]
        transaction.on_commit(lambda: [email_notifications.enqueue(ids) for ids in batches])
    return stored


def _insert_new(rows: list[Notification]) -> list[Notification]:
    """Insert the rows whose (recipient, key) is new; the others exist and are left alone.

    ``ignore_conflicts`` does not give ids back, so the new rows are read back by key; rows
    without a key are always new.
    """
    keyed = [r for r in rows if r.key]
    plain = [r for r in rows if not r.key]
    Notification.objects.bulk_create(plain)
    if not keyed:
        return plain
    existing = set(
        Notification.objects.filter(
            recipient_id__in={r.recipient_id for r in keyed}, key__in={r.key for r in keyed}
        ).values_list("recipient_id", "key")
    )
    fresh = [r for r in keyed if (r.recipient_id, r.key) not in existing]
    Notification.objects.bulk_create(fresh, ignore_conflicts=True)
    # Another worker may have stored the same keys between the read and the insert: only the
    # rows stored with our timestamp and title are ours.
    mine = {
        (pk_row[1], pk_row[2]): pk_row[0]
        for pk_row in Notification.objects.filter(
            recipient_id__in={r.recipient_id for r in fresh},
            key__in={r.key for r in fresh},
            created_at__in={r.created_at for r in fresh},
        ).values_list("pk", "recipient_id", "key")
    }
    stored = []
    for row in fresh:
        pk = mine.get((row.recipient_id, row.key))
        if pk is not None:
            row.pk = pk
            stored.append(row)
    return plain + stored


def mark_read(*, actor: Member, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the actor's notifications read (these ids, or all); returns how many changed."""
    query = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if notification_ids is not None:
        query = query.filter(pk__in=list(notification_ids))
    return query.update(read_at=clock.now())


CHAT_NOT_CONNECTED = (
    "Slack and Teams are not connected to Cascade yet: choose the inbox, email or off for now."
)


def chat_connected(organisation_id: int) -> bool:
    """Whether the organisation has connected Slack or Teams. None can yet: the chat channel is
    a choice people will have once a connector delivers it, and until then it is refused, so
    nobody picks a channel that silently sends nothing."""
    return False


def set_preference(*, actor: Member, member: Member, topic: str, channel: str) -> Preference:
    """A person chooses their own channels; nobody else chooses for them."""
    permissions.require(actor.pk == member.pk, "You may only choose your own notifications.")
    if topic not in Topic.values:
        raise invalid("No such topic.", "topic_unknown", "topic")
    if channel not in Channel.values:
        raise invalid("Choose inbox, email, chat or off.", "channel_unknown", "channel")
    if channel == Channel.CHAT and not chat_connected(member.organisation_id):
        raise invalid(CHAT_NOT_CONNECTED, "chat_not_connected", "channel")
    preference, _ = Preference.objects.update_or_create(
        member=member,
        topic=topic,
        defaults={"channel": channel, "organisation_id": member.organisation_id},
    )
    return preference
