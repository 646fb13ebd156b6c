"""Who is calling: a member of one organisation, found from an API token or the session cookie.

* ``Authorization: Bearer <token>``: the token acts for the member it was issued to. A revoked
  or expired token, or a deactivated member or account, is refused at once (401): the token is
  looked up on every request, nothing is cached.
* The session cookie of the web app: unsafe methods need the CSRF token (``X-CSRFToken``), and
  the organisation is named by the ``X-Cascade-Organisation: <slug>`` header, which may be left
  out by people who belong to one organisation only.

Either way the view finds the member as ``request.auth`` (``actor(request)``).
"""

from __future__ import annotations

import re
from typing import Any, cast

from django.conf import settings
from django.contrib.auth import authenticate
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from cascade.accounts import signin_limits
from cascade.accounts.clients import locked_out
from cascade.api.errors import ApiError
from cascade.api.models import ApiToken, digest
from cascade.api.services import note_use
from cascade.core import clock
from cascade.orgs.models import Member

ORGANISATION_HEADER = "X-Cascade-Organisation"
MAX_TOKEN_LENGTH = 200
SLUG = re.compile(r"^[-a-zA-Z0-9_]{1,60}$")


def actor(request: HttpRequest) -> Member:
    """The member the request acts for (set by the authentication classes below)."""
    member = getattr(request, "auth", None)
    if not isinstance(member, Member):  # only unauthenticated operations get here without one
        raise ApiError(401, "not_authenticated", "Authentication is required.")
    return member


def _usable(member: Member) -> bool:
    return member.is_active and member.has_joined and member.user.is_active


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>``, a token from ``POST /tokens``."""

    def authenticate(self, request: HttpRequest, token: str) -> Member | None:
        if not token or len(token) > MAX_TOKEN_LENGTH:
            return None
        found = (
            ApiToken.objects.select_related("member__organisation", "member__user")
            .filter(digest=digest(token), revoked_at__isnull=True)
            .first()
        )
        if found is None or found.is_expired(clock.now()) or not _usable(found.member):
            return None
        note_use(found)
        return found.member


class SessionAuth(APIKeyCookie):
    """The web app's session cookie, with CSRF protection on unsafe methods."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        # Unlike ninja's SessionAuth, check CSRF only once someone is signed in: a request
        # without a session is unauthenticated (401), not a CSRF failure (403).
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Member | None:
        if not request.user.is_authenticated:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise ApiError(403, "csrf_failed", "The CSRF token is missing or incorrect.")
        return session_member(request)


def session_member(request: HttpRequest) -> Member:
    """The signed-in user's membership in the organisation the request names (or their only one)."""
    memberships = (
        Member.objects.joined()
        .select_related("organisation", "user")
        .filter(user_id=cast(int, request.user.pk))
    )
    slug = request.headers.get(ORGANISATION_HEADER, "").strip()
    if slug:
        member = memberships.filter(organisation__slug=slug).first() if SLUG.match(slug) else None
        if member is None:
            raise ApiError(
                401,
                "not_authenticated",
                f"You are not a member of the organisation named in {ORGANISATION_HEADER}.",
            )
        return member
    found = list(memberships[:2])
    if len(found) == 1:
        return found[0]
    if not found:
        raise ApiError(401, "not_authenticated", "You are not a member of any organisation.")
    raise ApiError(
        400,
        "organisation_required",
        f"You belong to several organisations: name one with the {ORGANISATION_HEADER} header.",
        {ORGANISATION_HEADER: "Give the organisation's slug."},
    )


def member_for_password(
    request: HttpRequest, email: str, password: str, organisation: str | None
) -> Member | None:
    """The member a password proves to be, in the named organisation (or their only one).

    The sign-in limits apply (cascade.accounts.signin_limits): a locked-out (email, address)
    pair is refused with a 429 before the password is even checked.
    """
    user: Any = authenticate(request, username=email.strip().lower(), password=password)
    if user is None:
        if locked_out(request):
            minutes = signin_limits.cool_off_minutes()
            raise ApiError(
                429,
                "throttled",
                signin_limits.LOCKED_OUT.format(minutes=minutes),
                headers={"Retry-After": str(minutes * 60)},
            )
        return None
    signin_limits.note_success(request, user)
    memberships = Member.objects.joined().select_related("organisation", "user").filter(user=user)
    if organisation:
        return memberships.filter(organisation__slug=organisation).first()
    found = list(memberships[:2])
    if len(found) > 1:
        raise ApiError(
            400,
            "organisation_required",
            "You belong to several organisations: name one in `organisation`.",
            {"organisation": "Give the organisation's slug."},
        )
    return found[0] if found else None


token_auth = TokenAuth()
session_auth = SessionAuth()
