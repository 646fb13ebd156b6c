"""Members: adding, changing, deactivating and reactivating them."""

from __future__ import annotations

from typing import Any

from cascade import permissions
from cascade.accounts.models import User
from cascade.api.services import revoke_member_tokens
from cascade.audit.models import EventKind
from cascade.audit.services import record
from cascade.core import clock
from cascade.core.errors import invalid
from cascade.core.transactions import atomic_with_retries
from cascade.orgs.models import Member, Role, Team


def _clean_title(title: str) -> str:
    title = (title or "").strip()
    if len(title) > 120:
        raise invalid("Keep the title under 120 characters.", "text_too_long", "title")
    return title


def _check_manager(member: Member | None, manager: Member | None) -> None:
    """A manager must be in the same organisation and must not report to the member."""
    if manager is None:
        return
    if member is not None and (manager.pk == member.pk or permissions.manages(member, manager)):
        raise invalid("That would make the reporting line a circle.", "cycle", "manager")


@atomic_with_retries
def add_member(
    *,
    actor: Member,
    user: User,
    role: str = Role.MEMBER,
    title: str = "",
    manager: Member | None = None,
) -> Member:
    """Add an account as a joined member, without asking them: for the installation's operator
    and the demo only. Super users cannot reach it; they invite (``cascade.orgs.invitations``),
    because an account may belong to other organisations and joining needs its owner's consent.
    """
    permissions.require_organisation_admin(actor)
    permissions.require_same_organisation(actor, manager)
    if role not in Role.values:
        raise invalid(f"Choose one of: {', '.join(Role.values)}.", "role_unknown", "role")
    title = _clean_title(title)
    if Member.objects.filter(organisation_id=actor.organisation_id, user=user).exists():
        raise invalid("This person is already a member.", "already_member", "user")
    member = Member.objects.create(
        organisation_id=actor.organisation_id,
        user=user,
        role=role,
        title=title,
        manager=manager,
        accepted_at=clock.now(),
    )
    record(
        organisation=actor.organisation_id,
        actor=actor,
        kind=EventKind.MEMBER_ADDED,
        subject=member,
        data={"email": user.email, "role": role, "manager": manager.pk if manager else None},
    )
    return member


@atomic_with_retries
def change_member(
    *,
    actor: Member,
    member: Member,
    role: str | None = None,
    title: str | None = None,
    manager: Member | bool | None = False,
) -> Member:
    """Change a member's role, title or manager (``manager=None`` removes the manager)."""
    permissions.require_organisation_admin(actor)
    permissions.require_same_organisation(actor, member)
    # Everything is checked before the member is touched, so a refusal leaves it as it was.
    new: dict[str, Any] = {}
    if role is not None and role != member.role:
        if role not in Role.values:
            raise invalid(f"Choose one of: {', '.join(Role.values)}.", "role_unknown", "role")
        if member.pk == actor.pk and role != Role.SUPER_USER:
            raise invalid("You cannot remove your own super user role.", "own_role", "role")
        new["role"] = role
    if title is not None and _clean_title(title) != member.title:
        new["title"] = _clean_title(title)
    if manager is not False:
        new_manager = manager if isinstance(manager, Member) else None
        permissions.require_same_organisation(actor, new_manager)
        _check_manager(member, new_manager)
        if (new_manager.pk if new_manager else None) != member.manager_id:
            new["manager"] = new_manager
    changes: dict[str, list[object]] = {
        name: [
            getattr(member, f"{name}_id" if name == "manager" else name),
            value.pk if name == "manager" and value else value,
        ]
        for name, value in new.items()
    }
    for name, value in new.items():
        setattr(member, name, value)
    if changes:
        member.save()
        record(
            organisation=actor.organisation_id,
            actor=actor,
            kind=EventKind.MEMBER_CHANGED,
            subject=member,
            data=changes,
        )
    return member


@atomic_with_retries
def deactivate_member(*, actor: Member, member: Member) -> Member:
    """Take someone out of the organisation without losing their goals or history.

    They can no longer open the organisation. Their direct reports move up to their manager
    and the teams they led lose their lead (both recorded in the event, so nothing is lost).
    """
    permissions.require_organisation_admin(actor)
    permissions.require_same_organisation(actor, member)
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.pk == actor.pk:
        raise invalid("You cannot deactivate yourself: ask another super user.", "deactivate_self")
    if not member.is_active:
        raise invalid(f"{member.name} is already deactivated.", "already_inactive")
    reports = sorted(Member.objects.filter(manager=member).values_list("pk", flat=True))
    Member.objects.filter(pk__in=reports).update(manager_id=member.manager_id)
    teams_led = sorted(Team.objects.filter(lead=member).values_list("pk", flat=True))
    Team.objects.filter(pk__in=teams_led).update(lead=None)
    member.is_active = False
    member.save(update_fields=["is_active"])
    # For good: reactivating the member must not bring their old tokens back to life.
    revoke_member_tokens(member=member, actor=actor, reason="member_deactivated")
    record(
        organisation=actor.organisation_id,
        actor=actor,
        kind=EventKind.MEMBER_DEACTIVATED,
        subject=member,
        data={"reports": reports, "reports_moved_to": member.manager_id, "teams_led": teams_led},
    )
    return member


@atomic_with_retries
def reactivate_member(*, actor: Member, member: Member) -> Member:
    """Let a deactivated member back in, with the role, title and teams they had."""
    permissions.require_organisation_admin(actor)
    permissions.require_same_organisation(actor, member)
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.is_active:
        raise invalid(f"{member.name} is already active.", "already_active")
    if member.manager is not None and not member.manager.is_active:
        member.manager = None  # their old manager has left too; a super user can set a new one
    member.is_active = True
    member.save(update_fields=["is_active", "manager"])
    record(
        organisation=actor.organisation_id,
        actor=actor,
        kind=EventKind.MEMBER_REACTIVATED,
        subject=member,
        data={"manager": member.manager_id},
    )
    return member
