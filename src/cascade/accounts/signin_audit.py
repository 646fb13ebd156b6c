"""Sign-ins, failed sign-ins and password changes in the audit trail.

An account belongs to no organisation, but audit events do. So each is recorded once in every
organisation where the person is an active member, with that membership as its subject: each
organisation sees what happened to its own member's account, and nothing in an event names
another organisation (so no organisation learns where else the person is a member). A failed
sign-in for an email address that is no account, or an account with no active membership, has
no organisation to go to and is only logged. No password, right or wrong, is ever recorded.

Password changes also revoke all the person's API tokens (cascade.api.services).
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest

from cascade.accounts.clients import client_address, locked_out, normal_email
from cascade.accounts.models import User
from cascade.api.services import revoke_user_tokens
from cascade.audit.models import EventKind
from cascade.audit.services import record
from cascade.orgs.models import Member

logger = logging.getLogger("cascade.signin")


def door(request: HttpRequest) -> str:
    """Which way in the attempt came: ``web``, ``admin`` or ``api``."""
    path = request.path
    if path.startswith("/api/"):
        return "api"
    if path.startswith("/admin/"):
        return "admin"
    return "web"


def _memberships(user_id: int) -> list[Member]:
    return list(Member.objects.filter(user_id=user_id, is_active=True))


def signed_in(request: HttpRequest, user: Any, member: Member | None = None) -> None:
    """A right password (the API names the one membership its token is for)."""
    data = {"via": door(request), "address": client_address(request)}
    for membership in [member] if member is not None else _memberships(user.pk):
        record(
            organisation=membership.organisation_id,
            actor=membership,
            kind=EventKind.SIGNED_IN,
            subject=membership,
            data=data,
        )


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """Django's ``user_login_failed``: a wrong password, an unknown email, or refused by axes."""
    if request is None:
        return  # not a sign-in over the network (no address, no door)
    email = normal_email(credentials.get("username"))
    user = User.objects.filter(email=email).first() if email else None
    data = {
        "email": email,
        "via": door(request),
        "address": client_address(request),
        "locked_out": locked_out(request),
    }
    memberships = _memberships(user.pk) if user is not None else []
    if not memberships:
        logger.info("Failed sign-in for an email address without memberships: %s", data)
    for membership in memberships:
        record(
            organisation=membership.organisation_id,
            actor=None,  # who tried is unknown: that is the point
            kind=EventKind.SIGN_IN_FAILED,
            subject=membership,
            data=data,
        )


def on_password_changed(sender: Any, user: User, **kwargs: Any) -> None:
    revoke_user_tokens(user_id=user.pk, reason="password_changed")
    for membership in _memberships(user.pk):
        record(
            organisation=membership.organisation_id,
            actor=membership,
            kind=EventKind.PASSWORD_CHANGED,
            subject=membership,
            data={},
        )
