"""The worker's part of notifications: sending the emails (after the transaction committed)."""

from __future__ import annotations

import logging

from django.tasks import task

from cascade.core import clock
from cascade.notifications.mail import absolute, message
from cascade.notifications.models import Notification
from cascade.notifications.topics import Topic

logger = logging.getLogger("cascade.notifications")


# Topics whose email has a template of its own (notifications/email/<name>.txt and .html);
# the others use "notification".
TEMPLATES = {
    Topic.CHECK_IN_REMINDER: "check_in_reminder",
    Topic.WEEKLY_DIGEST: "weekly_digest",
}
BATCH = 100  # notifications emailed by one task, when many are stored at once


@task()
def email_notifications(notification_ids: list[int]) -> dict[str, int]:
    """Email a batch of notifications (a reminder run's): each as ``email_notification`` does,
    all of them tried; the task fails at the end if one of them could not be sent."""
    outcome = {"sent": 0, "already sent": 0}
    failed = None
    for pk in notification_ids:
        try:
            outcome[_email(pk)] += 1
        except Exception as error:  # the others still go; this one was given back
            failed = error
    if failed is not None:
        raise failed
    return outcome


@task()
def email_notification(notification_id: int) -> str:
    """Email one notification, once: it is claimed (``emailed_at``) before it is sent, so a
    second worker finds it taken; a failed send gives it back and the task fails (visible in the
    worker's log and the task table)."""
    return _email(notification_id)


def _email(notification_id: int) -> str:
    claimed = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(
        emailed_at=clock.now()
    )
    if not claimed:
        return "already sent"
    row = Notification.objects.select_related("recipient__user", "recipient__organisation").get(
        pk=notification_id
    )
    email = message(
        member=row.recipient,
        topic=row.topic,
        subject=row.title,
        template=TEMPLATES.get(Topic(row.topic), "notification"),
        context={
            "notification": row,
            "lines": row.body.splitlines(),
            "data": row.data,
            "link": absolute(row.link) if row.link else "",
        },
    )
    try:
        email.send()
    except Exception:
        Notification.objects.filter(pk=notification_id).update(emailed_at=None)
        logger.exception("Could not email notification %s", notification_id)
        raise
    return "sent"
