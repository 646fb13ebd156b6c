"""Every write to organisations, members, teams and periods.

Each service runs in one transaction, checks the actor's right (``cascade.permissions``),
validates all input before writing anything, and records an audit event.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from cascade import permissions
from cascade.accounts.models import User
from cascade.audit.models import EventKind
from cascade.audit.services import record
from cascade.core.numbers import parse_number
from cascade.orgs.models import Member, Organisation, Period, PeriodKind, Role, Team, TeamMembership

SUPER_USERS_ONLY = (
    "Only super users may change the organisation's people, teams, periods and settings."
)


def _require_admin(actor: Member) -> None:
    permissions.require(permissions.can_manage_organisation(actor), SUPER_USERS_ONLY)


def _clean_name(value: str, field: str = "name", max_length: int = 120) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: "This field is required."})
    if len(value) > max_length:
        raise ValidationError({field: f"Keep it under {max_length} characters."})
    return value


@transaction.atomic
def create_organisation(
    *, name: str, founder: User, slug: str = "", founder_title: str = ""
) -> Member:
    """A new organisation whose founder is its first super user. Returns the founder's membership."""
    name = _clean_name(name)
    slug = slugify(slug or name)[:60]
    if not slug:
        raise ValidationError({"slug": "Give the organisation a name with letters or digits."})
    if Organisation.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": "That address is taken; choose another."})
    organisation = Organisation.objects.create(name=name, slug=slug)
    founder_member = Member.objects.create(
        organisation=organisation, user=founder, role=Role.SUPER_USER, title=founder_title
    )
    record(
        organisation=organisation,
        actor=founder_member,
        kind=EventKind.ORGANISATION_CREATED,
        subject=organisation,
        data={"name": name, "slug": slug},
    )
    return founder_member


def _check_manager(member: Member | None, manager: Member | None) -> None:
    """A manager must be in the same organisation and must not report to the member."""
    if manager is None:
        return
    if member is not None and (manager.pk == member.pk or permissions.manages(member, manager)):
        raise ValidationError({"manager": "That would make the reporting line a circle."})


@transaction.atomic
def add_member(
    *,
    actor: Member,
    user: User,
    role: str = Role.MEMBER,
    title: str = "",
    manager: Member | None = None,
) -> Member:
    _require_admin(actor)
    permissions.require_same_organisation(actor, manager)
    if role not in Role.values:
        raise ValidationError({"role": f"Choose one of: {', '.join(Role.values)}."})
    if Member.objects.filter(organisation_id=actor.organisation_id, user=user).exists():
        raise ValidationError({"user": "This person is already a member."})
    member = Member.objects.create(
        organisation_id=actor.organisation_id,
        user=user,
        role=role,
        title=title.strip(),
        manager=manager,
    )
    record(
        organisation=actor.organisation_id,
        actor=actor,
        kind=EventKind.MEMBER_ADDED,
        subject=member,
        data={"email": user.email, "role": role, "manager": manager.pk if manager else None},
    )
    return member


@transaction.atomic
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
    changes: dict[str, list[object]] = {}
    if role is not None and role != member.role:
        if role not in Role.values:
            raise ValidationError({"role": f"Choose one of: {', '.join(Role.values)}."})
        if member.pk == actor.pk and role != Role.SUPER_USER:
            raise ValidationError({"role": "You cannot remove your own super user role."})
        changes["role"] = [member.role, role]
        member.role = role
    if title is not None and title.strip() != member.title:
        changes["title"] = [member.title, title.strip()]
        member.title = title.strip()
    if manager is not False:
        new_manager = manager if isinstance(manager, Member) else None
        permissions.require_same_organisation(actor, new_manager)
        _check_manager(member, new_manager)
        new_id = new_manager.pk if new_manager else None
        if new_id != member.manager_id:
            changes["manager"] = [member.manager_id, new_id]
            member.manager = new_manager
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


@transaction.atomic
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


@transaction.atomic
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
    name = _clean_name(name, max_length=60)
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


@transaction.atomic
def change_status_margins(
    *, actor: Member, at_risk_margin: object, off_track_margin: object
) -> Organisation:
    """The margins that turn progress against time into on track / at risk / off track."""
    _require_admin(actor)
    at_risk = parse_number(at_risk_margin, "at_risk_margin")
    off_track = parse_number(off_track_margin, "off_track_margin")
    if not Decimal(0) <= at_risk <= off_track <= Decimal(1):
        raise ValidationError(
            {"off_track_margin": "Margins must satisfy 0 ≤ at risk margin ≤ off track margin ≤ 1."}
        )
    organisation = Organisation.objects.select_for_update().get(pk=actor.organisation_id)
    before = [str(organisation.at_risk_margin), str(organisation.off_track_margin)]
    organisation.at_risk_margin = at_risk.quantize(Decimal("0.001"))
    organisation.off_track_margin = off_track.quantize(Decimal("0.001"))
    organisation.save(update_fields=["at_risk_margin", "off_track_margin"])
    record(
        organisation=organisation,
        actor=actor,
        kind=EventKind.ORGANISATION_SETTINGS_CHANGED,
        subject=organisation,
        data={"margins": [before, [str(at_risk), str(off_track)]]},
    )
    return organisation
