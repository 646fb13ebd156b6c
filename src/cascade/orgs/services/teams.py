"""Teams: creating them, changing their name, parent and lead, and setting their members."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from cascade import permissions
from cascade.audit.models import EventKind
from cascade.audit.services import record
from cascade.core.errors import Conflict, by_field, combine, conflict, invalid
from cascade.core.transactions import atomic_with_retries
from cascade.orgs.models import Member, Team, TeamMembership
from cascade.orgs.services._shared import _clean_name


@atomic_with_retries
def create_team(
    *,
    actor: Member,
    name: str,
    parent: Team | None = None,
    lead: Member | None = None,
    members: list[Member] | tuple[Member, ...] = (),
) -> Team:
    permissions.require_organisation_admin(actor)
    permissions.require_same_organisation(actor, parent, lead, *members)
    name = _clean_name(name)
    if Team.objects.filter(organisation_id=actor.organisation_id, name=name).exists():
        raise invalid("There is already a team with this name.", "name_taken", "name")
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


def _check_team_parent(team: Team, parent: Team | None) -> None:
    """Refuse a parent that is the team itself or one of its sub-teams: the tree would loop.

    One query: the organisation's (team, parent) pairs, walked up from the new parent.
    """
    if parent is None:
        return
    if parent.pk == team.pk:
        raise invalid("A team cannot be its own parent.", "cycle", "parent")
    parents = dict(
        Team.objects.filter(organisation_id=team.organisation_id).values_list("pk", "parent_id")
    )
    seen: set[int] = set()
    node: int | None = parent.pk
    while node is not None and node not in seen:
        if node == team.pk:
            # Good input that clashes with the tree as it stands, like a goal link that would
            # close a cycle: a conflict.
            raise conflict(
                f"{parent.name} is inside {team.name}: the team tree would loop.", "cycle", "parent"
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
    permissions.require_organisation_admin(actor)
    permissions.require_same_organisation(actor, team)
    team = Team.objects.select_for_update().get(pk=team.pk)
    changes: dict[str, list[object]] = {}
    errors: dict[str, ValidationError] = {}
    loops = False
    if name is not None:
        try:
            new_name = _clean_name(name)
        except ValidationError as error:
            errors.update({k: v[0] for k, v in by_field(error).items()})
        else:
            taken = Team.objects.filter(organisation_id=team.organisation_id, name=new_name)
            if taken.exclude(pk=team.pk).exists():
                errors["name"] = invalid("There is already a team with this name.", "name_taken")
            elif new_name != team.name:
                changes["name"] = [team.name, new_name]
                team.name = new_name
    if parent is not False:
        new_parent = parent if isinstance(parent, Team) else None
        permissions.require_same_organisation(actor, new_parent)
        try:
            _check_team_parent(team, new_parent)
        except ValidationError as error:
            errors.update({k: v[0] for k, v in by_field(error).items()})
            loops = isinstance(error, Conflict)
        new_id = new_parent.pk if new_parent else None
        if new_id != team.parent_id:
            changes["parent"] = [team.parent_id, new_id]
            team.parent = new_parent
    if lead is not False:
        new_lead = lead if isinstance(lead, Member) else None
        permissions.require_same_organisation(actor, new_lead)
        if new_lead is not None and not new_lead.is_active:
            errors["lead"] = invalid(
                f"{new_lead.name} has been deactivated; choose an active member.",
                "member_inactive",
            )
        new_id = new_lead.pk if new_lead else None
        if new_id != team.lead_id:
            changes["lead"] = [team.lead_id, new_id]
            team.lead = new_lead
    if errors:
        raise combine(errors, clash=loops and errors.keys() == {"parent"})
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
    permissions.require_organisation_admin(actor)
    permissions.require_same_organisation(actor, team, *members)
    team = Team.objects.select_for_update().get(pk=team.pk)
    wanted = {m.pk for m in members}
    if team.lead_id is not None and team.lead_id not in wanted:
        raise invalid(
            "The team's lead stays a member: choose another lead first.", "lead_stays", "members"
        )
    inactive = [m.name for m in members if not m.is_active]
    if inactive:
        raise invalid(
            f"Deactivated people cannot join a team: {', '.join(sorted(inactive))}.",
            "member_inactive",
            "members",
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
