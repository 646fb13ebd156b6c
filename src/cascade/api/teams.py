"""``/teams``: the organisation's team tree. Creating, changing and staffing teams is for super
users."""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from cascade.api import presenters, reads
from cascade.api.auth import actor
from cascade.api.errors import errors
from cascade.api.fields import BodyId, Id, Name
from cascade.api.pagination import PageParams, page, page_of
from cascade.api.schemas import TeamOut, TeamPage
from cascade.orgs import selectors as org_selectors
from cascade.orgs import services as orgs
from cascade.orgs.models import Member, Team, TeamMembership

router = Router(tags=["teams"])


class TeamIn(Schema):
    model_config = {"extra": "forbid"}

    name: Name
    parent: BodyId | None = None
    lead: BodyId | None = None
    members: Annotated[list[BodyId], Field(max_length=500)] = []


class TeamPatch(Schema):
    model_config = {"extra": "forbid"}

    name: Name | None = None
    parent: BodyId | None = None
    lead: BodyId | None = None


class TeamMembersIn(Schema):
    model_config = {"extra": "forbid"}

    members: Annotated[list[BodyId], Field(max_length=500)]


def _with_members(teams: list[Team]) -> list[dict[str, Any]]:
    """The teams with their active members, in one query for all of them."""
    members: dict[int, list[Member]] = defaultdict(list)
    for membership in (
        TeamMembership.objects.filter(team__in=teams, member__is_active=True)
        .select_related("member__user")
        .order_by("member__user__full_name", "member_id")
    ):
        members[membership.team_id].append(membership.member)
    return [presenters.team(team, members[team.pk]) for team in teams]


def _team_out(team_id: int) -> dict[str, Any]:
    return _with_members([Team.objects.select_related("lead__user").get(pk=team_id)])[0]


@router.get("/teams", response={200: TeamPage, **errors(400, 401)})
def list_teams(request: HttpRequest, paging: Query[PageParams]) -> dict[str, Any]:
    """The organisation's teams by name, each with its lead and active members."""
    me = actor(request)
    teams = Team.objects.filter(organisation_id=me.organisation_id).select_related("lead__user")
    objects, meta = page_of(teams.order_by("name", "id"), paging)
    return page(_with_members(objects), meta)


@router.post("/teams", response={201: TeamOut, **errors(400, 401, 403, 404)})
def create_team(request: HttpRequest, payload: TeamIn) -> Status:
    """A new team (super users), under `parent` if given; the lead is a member too."""
    me = actor(request)
    team = orgs.create_team(
        actor=me,
        name=payload.name,
        parent=reads.optional(org_selectors.get_team, me, payload.parent, "parent"),
        lead=reads.optional(org_selectors.get_member, me, payload.lead, "lead"),
        members=[
            org_selectors.get_member(me, member_id, "members") for member_id in payload.members
        ],
    )
    return Status(201, _team_out(team.pk))


@router.patch("/teams/{team_id}", response={200: TeamOut, **errors(400, 401, 403, 404, 409)})
def patch_team(request: HttpRequest, team_id: Id, payload: TeamPatch) -> dict[str, Any]:
    """Rename a team, move it under another `parent` (`null`: to the top) or change its `lead`
    (`null`: no lead), super users; only the fields sent change. A new lead joins the team.
    Moving a team under one of its own sub-teams is a conflict (409): the tree would loop."""
    me = actor(request)
    team = org_selectors.get_team(me, team_id)
    sent = payload.model_fields_set
    parent = (
        reads.optional(org_selectors.get_team, me, payload.parent, "parent")
        if "parent" in sent
        else False
    )
    orgs.change_team(
        actor=me,
        team=team,
        name=payload.name,
        parent=parent,
        lead=reads.optional(org_selectors.get_member, me, payload.lead, "lead")
        if "lead" in sent
        else False,
    )
    return _team_out(team.pk)


@router.put("/teams/{team_id}/members", response={200: TeamOut, **errors(400, 401, 403, 404)})
def put_team_members(request: HttpRequest, team_id: Id, payload: TeamMembersIn) -> dict[str, Any]:
    """Make `members` the team's active members (super users): whoever is new joins, whoever is
    not listed leaves. The lead stays a member: change the lead first to take them out.
    Deactivated people may not be listed; those already in keep their place, for a
    reactivation."""
    me = actor(request)
    team = org_selectors.get_team(me, team_id)
    orgs.set_team_members(
        actor=me,
        team=team,
        members=[
            org_selectors.get_member(me, member_id, "members") for member_id in payload.members
        ],
    )
    return _team_out(team.pk)
