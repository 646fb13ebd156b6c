"""The worker's part of notifications: sending the emails (after the transaction committed)."""

from __future__ import annotations

import logging

from django.tasks import task

from cascade.core import clock
from cascade.notifications.mail import absolute, message
from cascade.notifications.models import Notification

logger = logging.getLogger("cascade.notifications")


@task()
def email_notification(notification_id: int) -> str:
    """Email one notification, once: it is claimed (``emailed_at``) before it is sent, so a
    second worker finds it taken; a failed send gives it back and the task fails (visible in the
    worker's log and the task table)."""
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
        template="notification",
        context={"notification": row, "link": absolute(row.link) if row.link else ""},
    )
    try:
        email.send()
    except Exception:
        Notification.objects.filter(pk=notification_id).update(emailed_at=None)
        logger.exception("Could not email notification %s", notification_id)
        raise
    return "sent"
