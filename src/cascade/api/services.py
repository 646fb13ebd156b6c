"""Writes to API tokens: issuing, revoking and noting their use. Issuing and revoking are audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from cascade import permissions
from cascade.api.models import PREFIX_LENGTH, ApiToken, digest, new_token
from cascade.audit.models import EventKind
from cascade.audit.services import record
from cascade.core import clock
from cascade.core.errors import NotFound
from cascade.core.transactions import atomic_with_retries
from cascade.orgs.models import Member

# ``last_used_at`` is kept to the minute: a write on every request would cost more than it tells.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    plain: str  # shown once, never stored


@atomic_with_retries
def issue_token(*, member: Member, name: str = "") -> IssuedToken:
    """A new token acting for ``member``. The caller has checked who is asking (a password)."""
    permissions.require(member.is_active, "This membership has been deactivated.")
    plain = new_token()
    token = ApiToken.objects.create(
        organisation_id=member.organisation_id,
        member=member,
        name=name.strip(),
        prefix=plain[:PREFIX_LENGTH],
        digest=digest(plain),
    )
    record(
        organisation=member.organisation_id,
        actor=member,
        kind=EventKind.TOKEN_CREATED,
        subject=token,
        data={"prefix": token.prefix, "name": token.name},
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


def note_use(token: ApiToken) -> None:
    """Remember when a token was last used, to the minute (one UPDATE at most a minute)."""
    now = clock.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
