"""Email from Django templates: an HTML part and a plain-text part, through Django's mail.

Every email Cascade sends about a topic carries a one-click unsubscribe link, in its footer and
in the ``List-Unsubscribe`` / ``List-Unsubscribe-Post`` headers that mail programs show as an
"Unsubscribe" button (RFC 2369, RFC 8058). Links are absolute: the worker has no request to
build them from, so they start with ``settings.CASCADE_SITE_URL``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from cascade.notifications import unsubscribe
from cascade.orgs.models import Member


def absolute(path: str) -> str:
    return settings.CASCADE_SITE_URL.rstrip("/") + path


def unsubscribe_url(member: Member, topic: str) -> str:
    return absolute(reverse("unsubscribe", args=[unsubscribe.token(member.pk, topic)]))


def message(
    *, member: Member, topic: str, subject: str, template: str, context: dict[str, Any]
) -> EmailMultiAlternatives:
    """The email ``notifications/email/<template>.txt`` and ``.html`` make for this person."""
    leave = unsubscribe_url(member, topic)
    context = {
        **context,
        "member": member,
        "organisation": member.organisation,
        "unsubscribe_url": leave,
        "site_url": settings.CASCADE_SITE_URL.rstrip("/"),
    }
    email = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"notifications/email/{template}.txt", context),
        to=[member.user.email],
        headers={
            "List-Unsubscribe": f"<{leave}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    email.attach_alternative(
        render_to_string(f"notifications/email/{template}.html", context), "text/html"
    )
    return email
