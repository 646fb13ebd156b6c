"""Middleware of the hardening: no caching of signed-in pages, and sessions that end when idle."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

# How often a session's expiry moves on: a write per session and minute at most, not one per
# request (htmx makes many, and SQLite has one writer).
REFRESH_SECONDS = 60
SEEN_KEY = "_cascade_seen"


class NoStoreForSignedIn:
    """``Cache-Control: no-store`` (Django's never_cache headers) on every response to a
    signed-in person. Static files never get here: WhiteNoise answers them earlier."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.user.is_authenticated:
            add_never_cache_headers(response)
        return response


class IdleSessionTimeout:
    """Sessions expire SESSION_COOKIE_AGE (CASCADE_SESSION_IDLE_MINUTES) after the last request.

    Django's session expires that long after it was last saved; saving it when it was last
    seen more than a minute ago moves the expiry on, so only inactivity ends it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # Not on sign-out (the session is flushed) nor for visitors without a session.
        if session is not None and session.session_key and not session.is_empty():
            now = int(timezone.now().timestamp())
            if now - int(session.get(SEEN_KEY, 0)) >= min(
                REFRESH_SECONDS, settings.SESSION_COOKIE_AGE
            ):
                session[SEEN_KEY] = now
        return response


def stamp_signed_in_session(sender: object, request: HttpRequest, **kwargs: object) -> None:
    """On sign-in (``user_logged_in``), which saves the session anyway: the first requests
    after it need no write of their own."""
    request.session[SEEN_KEY] = int(timezone.now().timestamp())
