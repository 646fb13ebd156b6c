"""``/teams``: the organisation's team tree. Creating teams is for super users."""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from cascade.api import presenters
from cascade.api.auth import actor
from cascade.api.errors import errors
from cascade.api.fields import BodyId, Name
from cascade.api.pagination import PageParams, page, page_of
from cascade.api.reads import member_for, team_for
from cascade.api.schemas import TeamOut, TeamPage
from cascade.orgs import services as orgs
from cascade.orgs.models import Member, Team, TeamMembership

router = Router(tags=["teams"])


class TeamIn(Schema):
    model_config = {"extra": "forbid"}

    name: Name
    parent: BodyId | None = None
    lead: BodyId | None = None
    members: Annotated[list[BodyId], Field(max_length=500)] = []


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
        parent=team_for(me, payload.parent, "parent"),
        lead=member_for(me, payload.lead, "lead"),
        members=[m for member_id in payload.members if (m := member_for(me, member_id, "members"))],
    )
    created = Team.objects.select_related("lead__user").get(pk=team.pk)
    return Status(201, _with_members([created])[0])
