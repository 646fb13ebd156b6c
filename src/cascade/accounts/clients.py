"""Who is signing in: the client's address and the email address they gave, as counted."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The client's address, trusting only as many ``X-Forwarded-For`` entries as there are
    proxies of our own (each proxy appends the address it got the request from)."""
    remote = str(request.META.get("REMOTE_ADDR") or "")
    trusted = settings.CASCADE_TRUSTED_PROXIES
    if trusted <= 0:
        return remote
    forwarded = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(forwarded) < trusted:
        return remote  # fewer entries than proxies: not a request that came through them all
    candidate = forwarded[-trusted]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def normal_email(value: object) -> str | None:
    """How an email address is counted: ``Alice@X`` and ``alice@x `` are the same person."""
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip().lower()


def locked_out(request: HttpRequest) -> bool:
    """Whether axes refused (or just locked) the sign-in this request attempted."""
    return bool(getattr(request, "axes_locked_out", False))
