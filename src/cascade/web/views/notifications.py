"""The inbox (``/o/<slug>/notifications/``) and one's notification preferences.

Opening a notification is a POST (its item is a small form): it marks the notification read and
redirects to what it is about, so that a GET never changes anything (no link prefetching or
crawler marks things read).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from cascade.notifications import selectors, services
from cascade.notifications.topics import Channel, Topic
from cascade.orgs.models import Member
from cascade.web.membership import member_view

PAGE_SIZE = 25


def _inbox_url(member: Member) -> str:
    return reverse("notifications", args=[member.organisation.slug])


@member_view
def inbox(request: HttpRequest, member: Member) -> HttpResponse:
    unread_only = request.GET.get("show") == "unread"
    rows = selectors.inbox(member, unread=True if unread_only else None)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/notifications/inbox.html",
        {"page": page, "unread_only": unread_only},
    )


def _safe_path(link: str) -> bool:
    """Notification links are paths inside Cascade; anything else is not followed. Browsers
    drop tabs and newlines from URLs ("/\t/evil.com" opens //evil.com): none may be in it."""
    return (
        link.startswith("/")
        and link.isprintable()
        and " " not in link
        and url_has_allowed_host_and_scheme(link, allowed_hosts=None)
        and not link.startswith(("//", "/\\"))
    )


@require_POST
@member_view
def open_notification(request: HttpRequest, member: Member, notification_id: int) -> HttpResponse:
    notification = selectors.get_notification(member, notification_id)
    if notification is None:
        raise Http404("No such notification.")
    services.mark_read(actor=member, notification_ids=[notification.pk])
    if notification.link and _safe_path(notification.link):
        return redirect(notification.link)
    return redirect(_inbox_url(member))


@require_POST
@member_view
def mark_all_read(request: HttpRequest, member: Member) -> HttpResponse:
    changed = services.mark_read(actor=member)
    if changed:
        messages.success(
            request, f"Marked {changed} notification{'s' if changed != 1 else ''} read."
        )
    return redirect(_inbox_url(member))


@require_http_methods(["GET", "POST"])
@member_view
def preferences(request: HttpRequest, member: Member) -> HttpResponse:
    errors: dict[str, str] = {}
    if request.method == "POST":
        for topic in Topic:
            channel = request.POST.get(topic.value)
            if channel is None:
                continue
            try:
                services.set_preference(actor=member, member=member, topic=topic, channel=channel)
            except ValidationError as error:
                errors[topic.value] = " ".join(error.messages)
        if not errors:
            messages.success(request, "Your notification settings are saved.")
            return redirect(reverse("notification-preferences", args=[member.organisation.slug]))
    chat = services.chat_connected(member.organisation_id)
    choices = selectors.preferences(member)
    rows = [
        {
            "choice": choice,
            "error": errors.get(choice.topic.value, ""),
            "options": [
                {
                    "channel": channel,
                    "checked": channel == choice.channel,
                    "disabled": channel == Channel.CHAT and not chat,
                }
                for channel in Channel
            ],
        }
        for choice in choices
    ]
    return render(
        request,
        "web/notifications/preferences.html",
        {"rows": rows, "channels": list(Channel), "chat_connected": chat},
        status=400 if errors else 200,
    )
