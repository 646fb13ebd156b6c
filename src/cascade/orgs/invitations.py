"""Inviting people, and their accepting (DESIGN §people; docs/decisions.md "Invitations").

Accounts are global: one person may belong to several organisations. So an invitation is only
an offer. It creates the membership at once (goals can be assigned to the person before they
join), but the membership opens the organisation only once the person accepts, through the link
in the email, which is bound to this one invitation:

* someone new to Cascade (no usable password, no organisation joined) chooses their password on
  the invitation's page;
* someone with an account accepts while signed in as that account. An invitation never sets
  or resets the password of an account that has one or has joined another organisation.

The link exists only in the email: the inviter's answers (web and API) never carry it, nor
anything that tells whether the address already has an account, nor the name another
organisation knows the person by. Every step is in the audit trail.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from cascade import permissions
from cascade.accounts.models import User
from cascade.audit.models import EventKind
from cascade.audit.services import record
from cascade.core import clock
from cascade.core.errors import by_field, combine, invalid
from cascade.core.text import clean_email, clean_text, column_length
from cascade.core.transactions import atomic_with_retries
from cascade.orgs.models import Invitation, Member, Role, Team, TeamMembership

VALID_DAYS = 7
INVITERS_ONLY = "Only super users may invite people."
NOT_VALID = (
    "This invitation link does not work any more: it has been used, replaced by a newer one, "
    "or it is more than a week old. Ask the person who invited you to send a new invitation."
)


@dataclass(frozen=True)
class Sent:
    """What the inviting super user learns: who, and until when the emailed link works."""

    member: Member
    expires_at: datetime


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sets_password(member: Member) -> bool:
    """Whether accepting chooses the account's first password: only for an account that has
    none and has joined no organisation. Anyone else accepts by signing in."""
    user = member.user
    if user.has_usable_password():
        return False
    return not Member.objects.filter(user_id=user.pk, accepted_at__isnull=False).exists()


def _send(member: Member, inviter: Member | None, site_url: str) -> Sent:
    """A new link for ``member`` (older ones stop working), mailed once the transaction commits."""
    now = clock.now()
    Invitation.objects.filter(member=member, accepted_at=None, revoked_at=None).update(
        revoked_at=now
    )
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organisation_id=member.organisation_id,
        member=member,
        digest=_digest(token),
        invited_by=inviter,
        created_at=now,
        expires_at=now + timedelta(days=VALID_DAYS),
    )
    who = inviter.name if inviter else "The operator of this Cascade installation"
    context = {
        "organisation": member.organisation.name,
        "inviter": who,
        "name": member.name,
        "link": site_url.rstrip("/") + reverse("invitation", kwargs={"token": token}),
        "sets_password": sets_password(member),
        "valid_days": VALID_DAYS,
    }
    subject = f"{who} invited you to {member.organisation.name} on Cascade"
    body = render_to_string("registration/invitation_email.txt", context)
    email = member.user.email
    transaction.on_commit(
        lambda: send_mail(subject, body, None, [email]),
        robust=True,  # a mail server that is down must not undo the invitation: resend it later
    )
    return Sent(member=member, expires_at=invitation.expires_at)


@atomic_with_retries
def invite_member(
    *,
    actor: Member,
    email: str,
    full_name: str = "",
    role: str = Role.MEMBER,
    title: str = "",
    manager: Member | None = None,
    teams: list[Team] | tuple[Team, ...] = (),
    site_url: str,
) -> Sent:
    """Invite someone by email: their membership (pending until they accept) and their teams;
    an account without a password if the address is new to Cascade; the email on commit.

    The answer is the same whether or not the address has an account, and shows the person by
    the name given here: an account's own name is not this organisation's to learn.
    """
    permissions.require_organisation_admin(actor, INVITERS_ONLY)
    permissions.require_same_organisation(actor, manager, *teams)
    errors: dict[str, ValidationError] = {}
    try:
        email = clean_email(email)
    except ValidationError as error:
        errors.update({k: v[0] for k, v in by_field(error).items()})
    full_name = (full_name or "").strip()
    if not full_name:
        errors["full_name"] = invalid("Give the person's full name.", "required")
    for field, value, limit in [
        ("full_name", full_name, column_length(Member, "invited_name")),
        ("title", title, column_length(Member, "title")),
    ]:
        try:
            clean_text(value, field, max_length=limit)
        except ValidationError as error:
            errors.setdefault(field, by_field(error)[field][0])
    if role not in Role.values:
        errors["role"] = invalid(f"Choose one of: {', '.join(Role.values)}.", "role_unknown")
    if manager is not None and not manager.is_active:
        errors["manager"] = invalid(
            f"{manager.name} has been deactivated; choose an active manager.", "member_inactive"
        )
    user = User.objects.filter(email__iexact=email).first() if "email" not in errors else None
    if user is not None:
        existing = Member.objects.filter(organisation_id=actor.organisation_id, user=user).first()
        if existing is not None:  # someone of this organisation: telling is no leak
            errors["email"] = (
                invalid(
                    f"{existing.name} was deactivated: reactivate them from their settings page.",
                    "member_inactive",
                )
                if not existing.is_active
                else invalid(f"{existing.name} is already a member.", "already_member")
                if existing.has_joined
                else invalid(
                    f"{existing.name} is invited already: send the invitation again from "
                    "their settings page.",
                    "already_invited",
                )
            )
    if errors:
        raise combine(errors)
    if user is None:
        user = User.objects.create_user(email, None, full_name=full_name)  # unusable password
    member = Member.objects.create(
        organisation_id=actor.organisation_id,
        user=user,
        role=role,
        title=title.strip(),
        manager=manager,
        invited_name=full_name,
    )
    team_ids = sorted({team.pk for team in teams})
    TeamMembership.objects.bulk_create(
        TeamMembership(organisation_id=actor.organisation_id, team_id=team_id, member=member)
        for team_id in team_ids
    )
    record(
        organisation=actor.organisation_id,
        actor=actor,
        kind=EventKind.MEMBER_INVITED,
        subject=member,
        data={
            "email": email,
            "role": role,
            "manager": manager.pk if manager else None,
            "teams": team_ids,
        },
    )
    return _send(member, actor, site_url)


@atomic_with_retries
def resend_invitation(*, actor: Member, member: Member, site_url: str) -> Sent:
    """A new emailed link for someone who has not accepted yet; the older links stop working."""
    permissions.require_organisation_admin(actor, INVITERS_ONLY)
    permissions.require_same_organisation(actor, member)
    member = (
        Member.objects.select_for_update().select_related("organisation", "user").get(pk=member.pk)
    )
    if member.has_joined:
        raise invalid(f"{member.name} has joined already: they sign in as usual.", "already_member")
    if not member.is_active:
        raise invalid(
            f"{member.name} has been deactivated: reactivate them first.", "member_inactive"
        )
    sent = _send(member, actor, site_url)
    record(
        organisation=actor.organisation_id,
        actor=actor,
        kind=EventKind.INVITATION_RESENT,
        subject=member,
        data={"email": member.user.email, "expires_at": sent.expires_at.isoformat()},
    )
    return sent


def invite_founder(founder: Member, site_url: str) -> Sent:
    """The first super user of an organisation an installation operator created for them."""
    record(
        organisation=founder.organisation_id,
        actor=None,
        kind=EventKind.MEMBER_INVITED,
        subject=founder,
        data={"email": founder.user.email, "role": founder.role, "manager": None, "teams": []},
    )
    return _send(founder, None, site_url)


# --------------------------------------------------------------------------- accepting


def find(token: str) -> Invitation | None:
    """The invitation a link's token names, whatever its state; None for an unknown token."""
    if not token or len(token) > 100:
        return None
    return (
        Invitation.objects.select_related("member__organisation", "member__user", "invited_by")
        .filter(digest=_digest(token))
        .first()
    )


@atomic_with_retries
def accept(*, token: str, user: User | None, password: str | None = None) -> Member:
    """Accept the invitation: with the account's first ``password`` (see ``sets_password``),
    or as the signed-in ``user``, who must be the invited account. Once only."""
    found = find(token)
    if found is None:
        raise invalid(NOT_VALID, "invitation_invalid")
    invitation = Invitation.objects.select_for_update().get(pk=found.pk)
    member = (
        Member.objects.select_for_update()
        .select_related("organisation", "user")
        .get(pk=invitation.member_id)
    )
    if not invitation.is_open or member.has_joined:
        raise invalid(NOT_VALID, "invitation_invalid")
    if not member.is_active:
        raise invalid(
            f"Your membership of {member.organisation.name} has been deactivated.",
            "member_inactive",
        )
    account = member.user
    if password is not None:
        if not sets_password(member):
            raise invalid(
                "You have a Cascade account already: sign in with it to accept the invitation.",
                "account_exists",
            )
        validate_password(password, account)
        account.set_password(password)
        account.save(update_fields=["password"])
        method = "set_password"
    elif user is not None and user.pk == account.pk:
        method = "signed_in"
    else:
        raise invalid(
            f"This invitation is for {account.email}: sign in as {account.email} to accept it.",
            "wrong_account",
        )
    now = clock.now()
    invitation.accepted_at = now
    invitation.save(update_fields=["accepted_at"])
    member.accepted_at = now
    member.save(update_fields=["accepted_at"])
    record(
        organisation=member.organisation_id,
        actor=member,
        kind=EventKind.INVITATION_ACCEPTED,
        subject=member,
        data={"invitation": invitation.pk, "method": method},
    )
    return member
