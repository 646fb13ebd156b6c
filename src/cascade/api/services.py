"""Writes to API tokens: issuing, revoking and noting their use. Issuing and revoking are audited.

A token is revoked for good: by its owner, when its member is deactivated (reactivating them
does not bring old tokens back) and when the person's password changes (in every organisation).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from cascade import permissions
from cascade.api.models import PREFIX_LENGTH, ApiToken, digest, new_token
from cascade.audit.models import EventKind
from cascade.audit.services import record
from cascade.core import clock
from cascade.core.errors import NotFound, invalid
from cascade.core.transactions import atomic_with_retries
from cascade.orgs.models import Member

# A longer-lived token is as good as one without an expiry; the bound keeps dates storable.
MAX_LIFETIME = timedelta(days=3660)
# ``last_used_at`` is kept to the minute: a write on every request would cost more than it tells.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    plain: str  # shown once, never stored


@atomic_with_retries
def issue_token(
    *, member: Member, name: str = "", expires_at: datetime | None = None
) -> IssuedToken:
    """A new token acting for ``member``, until ``expires_at`` if given (else until revoked).
    The caller has checked who is asking (a password)."""
    permissions.require(member.is_active, "This membership has been deactivated.")
    now = clock.now()
    if expires_at is not None and expires_at <= now:
        raise invalid("The expiry must be in the future.", "expiry_past", "expires_at")
    if expires_at is not None and expires_at > now + MAX_LIFETIME:
        raise invalid("The expiry must be within ten years.", "expiry_too_far", "expires_at")
    plain = new_token()
    token = ApiToken.objects.create(
        organisation_id=member.organisation_id,
        member=member,
        name=name.strip(),
        prefix=plain[:PREFIX_LENGTH],
        digest=digest(plain),
        expires_at=expires_at,
    )
    data: dict[str, object] = {"prefix": token.prefix, "name": token.name}
    if expires_at is not None:
        data["expires_at"] = expires_at.isoformat()
    record(
        organisation=member.organisation_id,
        actor=member,
        kind=EventKind.TOKEN_CREATED,
        subject=token,
        data=data,
    )
    return IssuedToken(token, plain)


@atomic_with_retries
def revoke_token(*, actor: Member, token: ApiToken) -> ApiToken:
    """Revoke one of your own tokens. It stops working at once; revoking twice changes nothing."""
    if token.member_id != actor.pk:
        raise NotFound("No such token.")
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        return token
    token.revoked_at = clock.now()
    token.save(update_fields=["revoked_at"])
    record(
        organisation=actor.organisation_id,
        actor=actor,
        kind=EventKind.TOKEN_REVOKED,
        subject=token,
        data={"prefix": token.prefix, "name": token.name},
    )
    return token


def revoke_member_tokens(*, member: Member, actor: Member | None, reason: str) -> int:
    """Revoke every live token of one membership (``reason``: why, for the audit trail).
    Called inside the caller's transaction; returns how many were revoked."""
    live = list(ApiToken.objects.select_for_update().filter(member=member, revoked_at__isnull=True))
    now = clock.now()
    for token in live:
        token.revoked_at = now
        token.save(update_fields=["revoked_at"])
        record(
            organisation=member.organisation_id,
            actor=actor,
            kind=EventKind.TOKEN_REVOKED,
            subject=token,
            data={"prefix": token.prefix, "name": token.name, "reason": reason},
        )
    return len(live)


@atomic_with_retries
def revoke_user_tokens(*, user_id: int, reason: str) -> int:
    """Revoke every live token of a person, in every organisation (a changed password)."""
    revoked = 0
    for member in Member.objects.filter(user_id=user_id):
        revoked += revoke_member_tokens(member=member, actor=member, reason=reason)
    return revoked


def note_use(token: ApiToken) -> None:
    """Remember when a token was last used, to the minute (one UPDATE at most a minute)."""
    now = clock.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
