"""The one-click unsubscribe link of every email (``cascade.notifications.unsubscribe``).

Opening the link shows what it will do and a button; a mail program's "Unsubscribe" button
POSTs to the same address without a session or a CSRF token (RFC 8058), which is why the POST
is CSRF-exempt: the signed token is the authority, and all it can do is move one topic of one
person from email to the inbox.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from cascade.notifications import services, unsubscribe
from cascade.notifications.topics import Channel, Topic
from cascade.orgs.models import Member


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe_view(request: HttpRequest, token: str) -> HttpResponse:
    found = unsubscribe.read(token)
    member = (
        Member.objects.select_related("organisation").filter(pk=found.member_id).first()
        if found is not None and found.topic in Topic.values
        else None
    )
    if found is None or member is None:
        return render(request, "web/unsubscribe.html", {"valid": False}, status=404)
    context = {"valid": True, "topic": Topic(found.topic), "member": member}
    if request.method == "POST":
        services.set_preference(
            actor=member, member=member, topic=found.topic, channel=Channel.INBOX
        )
        context["done"] = True
    return render(request, "web/unsubscribe.html", context)
