"""Property: the query filter ``visible_goals`` and the predicate ``can_view_goal`` agree.

Lists, the tree and every lookup by id filter in SQL (``selectors.visible_goals``); a page that
already holds a goal asks ``permissions.can_view_goal``. Hypothesis draws org charts (managers,
super users, deactivated people), teams with members and goals (owner, team, visibility), with a
second organisation beside them, and every (member, goal) pair must get the same answer from
both. A rule changed in one of them and not the other fails here.
"""

from __future__ import annotations

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cascade import permissions
from cascade.goals import services as goals
from cascade.goals.models import Goal
from cascade.goals.selectors import visible_goals
from cascade.orgs import services as orgs
from cascade.orgs.models import Member, Role
from tests.builders import make_world

PEOPLE = 6
TEAMS = 3

person = st.fixed_dictionaries(
    {
        # The index of an earlier person (the CEO is person 0), so the chart has no cycle.
        "manager": st.one_of(st.none(), st.integers(0, PEOPLE)),
        "super_user": st.booleans(),
        "active": st.booleans(),
    }
)
goal = st.fixed_dictionaries(
    {
        "owner": st.integers(0, PEOPLE),
        "team": st.one_of(st.none(), st.integers(0, TEAMS - 1)),
        "visibility": st.sampled_from(["public", "private"]),
    }
)
memberships = st.lists(st.tuples(st.integers(0, TEAMS - 1), st.integers(0, PEOPLE)), max_size=10)


class Rollback(Exception):
    pass


def build(people: list[dict], teams: list[tuple[int, int]], goal_specs: list[dict]):
    world = make_world()
    members = [world.ceo]
    for index, spec in enumerate(people):
        manager = members[spec["manager"] % len(members)] if spec["manager"] is not None else None
        role = Role.SUPER_USER if spec["super_user"] else Role.MEMBER
        members.append(world.person(f"P{index}", manager=manager, role=role))
    team_rows = [
        orgs.create_team(
            actor=world.ceo,
            name=f"T{t}",
            members=sorted(
                {members[m % len(members)] for tt, m in teams if tt == t}, key=lambda m: m.pk
            ),
        )
        for t in range(TEAMS)
    ]
    for spec in goal_specs:
        goals.create_goal(
            actor=world.ceo,
            title="G",
            period=world.period,
            owner=members[spec["owner"] % len(members)],
            team=team_rows[spec["team"]] if spec["team"] is not None else None,
            visibility=spec["visibility"],
        )
    # Deactivated last, straight in the table: a deactivated manager keeps their reports here,
    # a state the service would not leave, but the two rules must agree on any rows.
    inactive = [m.pk for m, spec in zip(members[1:], people, strict=True) if not spec["active"]]
    Member.objects.filter(pk__in=inactive).update(is_active=False)
    return world


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    people=st.lists(person, min_size=1, max_size=PEOPLE),
    teams=memberships,
    goal_specs=st.lists(goal, min_size=1, max_size=8),
    other_goals=st.lists(goal, min_size=1, max_size=2),
)
def test_the_visibility_query_and_predicate_agree(db, people, teams, goal_specs, other_goals):
    try:
        with transaction.atomic():
            world = build(people, teams, goal_specs)
            build(people[:1], [], other_goals)  # another organisation: never visible across
            everyone = Member.objects.filter(organisation=world.organisation).select_related("user")
            all_goals = list(Goal.objects.select_related("owner", "team"))
            for member in everyone:
                seen = set(visible_goals(member).values_list("pk", flat=True))
                for g in all_goals:
                    assert (g.pk in seen) == permissions.can_view_goal(member, g), (
                        f"member {member.pk} (super user {member.is_super_user}, active "
                        f"{member.is_active}, manager {member.manager_id}) and goal {g.pk} "
                        f"(owner {g.owner_id}, team {g.team_id}, {g.visibility})"
                    )
            raise Rollback
    except Rollback:
        pass
