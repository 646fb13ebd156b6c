"""Every write to organisations, members, teams and periods.

Each service runs in one transaction, checks the actor's right (``cascade.permissions``),
validates all input before writing anything, and records an audit event.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from zoneinfo import available_timezones

from django.core.exceptions import ValidationError
from django.utils.text import slugify

from cascade import permissions
from cascade.accounts.models import User
from cascade.api.services import revoke_member_tokens
from cascade.audit.models import EventKind
from cascade.audit.services import record
from cascade.core import clock
from cascade.core.errors import Conflict
from cascade.core.numbers import parse_number
from cascade.core.text import clean_text, column_length
from cascade.core.transactions import atomic_with_retries
from cascade.orgs.models import Member, Organisation, Period, PeriodKind, Role, Team, TeamMembership

SUPER_USERS_ONLY = (
    "Only super users may change the organisation's people, teams, periods and settings."
)


def _require_admin(actor: Member) -> None:
    permissions.require(permissions.can_manage_organisation(actor), SUPER_USERS_ONLY)


def _clean_name(value: str, field: str = "name", max_length: int | None = None) -> str:
    """A name of an organisation or a team (120 characters, as their columns), or of a period."""
    limit = max_length or column_length(Team, "name")
    return clean_text(value, field, required=True, max_length=limit)


def clean_timezone(value: str) -> str:
    value = (value or "").strip()
    if value not in available_timezones():
        raise ValidationError({"timezone": "Choose a time zone such as Europe/Berlin or UTC."})
    return value


@atomic_with_retries
def create_organisation(
    *,
    name: str,
    founder: User,
    slug: str = "",
    founder_title: str = "",
    timezone: str = "UTC",
    founder_joined: bool = True,
) -> Member:
    """A new organisation whose founder is its first super user. Returns the founder's membership.

    ``founder_joined=False`` leaves the founder's membership pending, for an installation
    operator creating an organisation for someone: they accept an invitation like anyone else.
    """
    errors: dict[str, str] = {}
    try:
        name = _clean_name(name)
    except ValidationError as error:
        errors.update({k: v[0] for k, v in error.message_dict.items()})
    typed = (slug or "").strip()
    slug = slugify(typed or name)[:60]
    if typed and slug != typed.lower():
        errors["slug"] = "Use lowercase letters, digits and hyphens only, e.g. acme-inc."
    elif not slug:
        errors["slug"] = "Give the organisation a name with letters or digits."
    elif Organisation.objects.filter(slug=slug).exists():
        errors["slug"] = f"The address {slug} is taken; choose another."
    try:
        timezone = clean_timezone(timezone)
    except ValidationError as error:
        errors.update({k: v[0] for k, v in error.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    organisation = Organisation.objects.create(name=name, slug=slug, timezone=timezone)
    founder_member = Member.objects.create(
        organisation=organisation,
        user=founder,
        role=Role.SUPER_USER,
        title=founder_title,
        accepted_at=clock.now() if founder_joined else None,
        invited_name=founder.full_name,
    )
    record(
        organisation=organisation,
        actor=founder_member,
        kind=EventKind.ORGANISATION_CREATED,
        subject=organisation,
        data={"name": name, "slug": slug, "timezone": timezone},
    )
    return founder_member


def _clean_title(title: str) -> str:
    title = (title or "").strip()
    if len(title) > 120:
        raise ValidationError({"title": "Keep the title under 120 characters."})
    return title


def _check_manager(member: Member | None, manager: Member | None) -> None:
    """A manager must be in the same organisation and must not report to the member."""
    if manager is None:
        return
    if member is not None and (manager.pk == member.pk or permissions.manages(member, manager)):
        raise ValidationError({"manager": "That would make the reporting line a circle."})


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
    _require_admin(actor)
    permissions.require_same_organisation(actor, manager)
    if role not in Role.values:
        raise ValidationError({"role": f"Choose one of: {', '.join(Role.values)}."})
    title = _clean_title(title)
    if Member.objects.filter(organisation_id=actor.organisation_id, user=user).exists():
        raise ValidationError({"user": "This person is already a member."})
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
    _require_admin(actor)
    permissions.require_same_organisation(actor, member)
    # Everything is checked before the member is touched, so a refusal leaves it as it was.
    new: dict[str, Any] = {}
    if role is not None and role != member.role:
        if role not in Role.values:
            raise ValidationError({"role": f"Choose one of: {', '.join(Role.values)}."})
        if member.pk == actor.pk and role != Role.SUPER_USER:
            raise ValidationError({"role": "You cannot remove your own super user role."})
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
def create_team(
    *,
    actor: Member,
    name: str,
    parent: Team | None = None,
    lead: Member | None = None,
    members: list[Member] | tuple[Member, ...] = (),
) -> Team:
    _require_admin(actor)
    permissions.require_same_organisation(actor, parent, lead, *members)
    name = _clean_name(name)
    if Team.objects.filter(organisation_id=actor.organisation_id, name=name).exists():
        raise ValidationError({"name": "There is already a team with this name."})
    team = Team.objects.create(
        organisation_id=actor.organisation_id, name=name, parent=parent, lead=lead
    )
    people = {m.pk: m for m in [*members, *([lead] if lead else [])]}
    TeamMembership.objects.bulk_create(
        TeamMembership(organisation_id=actor.organisation_id, team=team, member=m)
        for m in people.values()
    )
    record(
        organisation=actor.organisation_id,
        actor=actor,
        kind=EventKind.TEAM_CREATED,
        subject=team,
        data={"name": name, "parent": parent.pk if parent else None, "members": sorted(people)},
    )
    return team


@atomic_with_retries
def create_period(
    *,
    actor: Member,
    name: str,
    start: date,
    end: date,
    kind: str = PeriodKind.QUARTER,
    parent: Period | None = None,
) -> Period:
    _require_admin(actor)
    permissions.require_same_organisation(actor, parent)
    name = _clean_name(name, max_length=column_length(Period, "name"))
    errors: dict[str, str] = {}
    if kind not in PeriodKind.values:
        errors["kind"] = f"Choose one of: {', '.join(PeriodKind.values)}."
    if end < start:
        errors["end"] = "A period cannot end before it starts."
    elif parent is not None and (start < parent.start or end > parent.end):
        errors["parent"] = (
            f"A period inside {parent.name} must lie within {parent.start} – {parent.end}."
        )
    if Period.objects.filter(organisation_id=actor.organisation_id, name=name).exists():
        errors["name"] = "There is already a period with this name."
    if errors:
        raise ValidationError(errors)
    period = Period.objects.create(
        organisation_id=actor.organisation_id,
        name=name,
        kind=kind,
        start=start,
        end=end,
        parent=parent,
    )
    record(
        organisation=actor.organisation_id,
        actor=actor,
        kind=EventKind.PERIOD_CREATED,
        subject=period,
        data={"name": name, "start": start.isoformat(), "end": end.isoformat()},
    )
    return period


@atomic_with_retries
def change_status_margins(
    *, actor: Member, at_risk_margin: object, off_track_margin: object
) -> Organisation:
    """The margins that turn progress against time into on track / at risk / off track."""
    _require_admin(actor)
    # Rounded to the column's precision first, so the audit trail and the rule see what is stored.
    at_risk = parse_number(at_risk_margin, "at_risk_margin", percent=True).quantize(
        Decimal("0.001")
    )
    off_track = parse_number(off_track_margin, "off_track_margin", percent=True).quantize(
        Decimal("0.001")
    )
    if not Decimal(0) <= at_risk <= off_track <= Decimal(1):
        raise ValidationError(
            {"off_track_margin": "Margins must satisfy 0 ≤ at risk margin ≤ off track margin ≤ 1."}
        )
    organisation = Organisation.objects.select_for_update().get(pk=actor.organisation_id)
    before = [str(organisation.at_risk_margin), str(organisation.off_track_margin)]
    organisation.at_risk_margin = at_risk
    organisation.off_track_margin = off_track
    organisation.save(update_fields=["at_risk_margin", "off_track_margin"])
    record(
        organisation=organisation,
        actor=actor,
        kind=EventKind.ORGANISATION_SETTINGS_CHANGED,
        subject=organisation,
        data={"margins": [before, [str(at_risk), str(off_track)]]},
    )
    return organisation


# --------------------------------------------------------------------------- leaving


@atomic_with_retries
def deactivate_member(*, actor: Member, member: Member) -> Member:
    """Take someone out of the organisation without losing their goals or history.

    They can no longer open the organisation. Their direct reports move up to their manager
    and the teams they led lose their lead (both recorded in the event, so nothing is lost).
    """
    _require_admin(actor)
    permissions.require_same_organisation(actor, member)
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.pk == actor.pk:
        raise ValidationError("You cannot deactivate yourself: ask another super user.")
    if not member.is_active:
        raise ValidationError(f"{member.name} is already deactivated.")
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
    _require_admin(actor)
    permissions.require_same_organisation(actor, member)
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.is_active:
        raise ValidationError(f"{member.name} is already active.")
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


# --------------------------------------------------------------------------- teams


def _check_team_parent(team: Team, parent: Team | None) -> None:
    """Refuse a parent that is the team itself or one of its sub-teams: the tree would loop.

    One query: the organisation's (team, parent) pairs, walked up from the new parent.
    """
    if parent is None:
        return
    if parent.pk == team.pk:
        raise ValidationError({"parent": "A team cannot be its own parent."})
    parents = dict(
        Team.objects.filter(organisation_id=team.organisation_id).values_list("pk", "parent_id")
    )
    seen: set[int] = set()
    node: int | None = parent.pk
    while node is not None and node not in seen:
        if node == team.pk:
            # Good input that clashes with the tree as it stands, like a goal link that would
            # close a cycle: a conflict.
            raise Conflict(
                {"parent": f"{parent.name} is inside {team.name}: the team tree would loop."}
            )
        seen.add(node)
        node = parents.get(node)


@atomic_with_retries
def change_team(
    *,
    actor: Member,
    team: Team,
    name: str | None = None,
    parent: Team | bool | None = False,
    lead: Member | bool | None = False,
) -> Team:
    """Rename a team, move it under another parent (``None``: to the top) or change its lead
    (``None``: no lead). ``False`` leaves a part as it is. A new lead joins the team."""
    _require_admin(actor)
    permissions.require_same_organisation(actor, team)
    team = Team.objects.select_for_update().get(pk=team.pk)
    changes: dict[str, list[object]] = {}
    errors: dict[str, str] = {}
    loops = False
    if name is not None:
        try:
            new_name = _clean_name(name)
        except ValidationError as error:
            errors.update({k: v[0] for k, v in error.message_dict.items()})
        else:
            taken = Team.objects.filter(organisation_id=team.organisation_id, name=new_name)
            if taken.exclude(pk=team.pk).exists():
                errors["name"] = "There is already a team with this name."
            elif new_name != team.name:
                changes["name"] = [team.name, new_name]
                team.name = new_name
    if parent is not False:
        new_parent = parent if isinstance(parent, Team) else None
        permissions.require_same_organisation(actor, new_parent)
        try:
            _check_team_parent(team, new_parent)
        except ValidationError as error:
            errors.update({k: v[0] for k, v in error.message_dict.items()})
            loops = isinstance(error, Conflict)
        new_id = new_parent.pk if new_parent else None
        if new_id != team.parent_id:
            changes["parent"] = [team.parent_id, new_id]
            team.parent = new_parent
    if lead is not False:
        new_lead = lead if isinstance(lead, Member) else None
        permissions.require_same_organisation(actor, new_lead)
        if new_lead is not None and not new_lead.is_active:
            errors["lead"] = f"{new_lead.name} has been deactivated; choose an active member."
        new_id = new_lead.pk if new_lead else None
        if new_id != team.lead_id:
            changes["lead"] = [team.lead_id, new_id]
            team.lead = new_lead
    if errors:
        raise (Conflict if loops and errors.keys() == {"parent"} else ValidationError)(errors)
    if changes:
        team.save()
        if team.lead_id is not None and "lead" in changes:
            TeamMembership.objects.get_or_create(
                organisation_id=team.organisation_id, team=team, member_id=team.lead_id
            )
        record(
            organisation=actor.organisation_id,
            actor=actor,
            kind=EventKind.TEAM_CHANGED,
            subject=team,
            data=changes,
        )
    return team


@atomic_with_retries
def set_team_members(
    *, actor: Member, team: Team, members: list[Member] | tuple[Member, ...]
) -> Team:
    """Make ``members`` the team's members: add who is new, remove who is not listed.

    The lead stays a member: change the lead first to take them out.
    """
    _require_admin(actor)
    permissions.require_same_organisation(actor, team, *members)
    team = Team.objects.select_for_update().get(pk=team.pk)
    wanted = {m.pk for m in members}
    if team.lead_id is not None and team.lead_id not in wanted:
        raise ValidationError(
            {"members": "The team's lead stays a member: choose another lead first."}
        )
    inactive = [m.name for m in members if not m.is_active]
    if inactive:
        raise ValidationError(
            {"members": f"Deactivated people cannot join a team: {', '.join(sorted(inactive))}."}
        )
    # Deactivated members keep their place (for a reactivation); only active ones are set here.
    current = set(
        TeamMembership.objects.filter(team=team, member__is_active=True).values_list(
            "member_id", flat=True
        )
    )
    added, removed = sorted(wanted - current), sorted(current - wanted)
    if not added and not removed:
        return team
    TeamMembership.objects.filter(team=team, member_id__in=removed).delete()
    TeamMembership.objects.bulk_create(
        TeamMembership(organisation_id=team.organisation_id, team=team, member_id=member_id)
        for member_id in added
    )
    record(
        organisation=actor.organisation_id,
        actor=actor,
        kind=EventKind.TEAM_MEMBERS_CHANGED,
        subject=team,
        data={"added": added, "removed": removed},
    )
    return team
