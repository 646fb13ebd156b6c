"""Reads of people, teams and periods: the org chart, a person's page, a team's page, and the
lists of the settings pages.

Every read is scoped to the actor's organisation (anything else is ``NotFound``) and runs a
fixed number of queries whatever the organisation's size: trees are fetched in one query and
assembled in memory, never walked level by level.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Exists, Model, OuterRef, Q, QuerySet

from cascade.core.errors import NotFound
from cascade.core.numbers import id_or_not_found
from cascade.core.text import search_words
from cascade.goals import selectors as goal_selectors
from cascade.goals.models import Goal, State
from cascade.goals.selectors import Standing
from cascade.orgs.models import Member, Period, Team, TeamMembership, name_contains

# --------------------------------------------------------------------------- trees


@dataclass(frozen=True)
class TreeRow[T]:
    """One node of a tree flattened for rendering without recursion.

    A row with children opens a nested list (``opens``); ``closings`` says how many nested
    lists end after the row, so a template can draw the tree with one loop.
    """

    item: T
    depth: int
    children: int  # direct children
    below: int  # every node under this one
    opens: bool
    closings: range


def flatten_tree[T](
    roots: Sequence[T],
    children_of: Callable[[T], Sequence[T]],
    key: Callable[[T], Hashable],
    everything: Iterable[T] = (),
) -> list[TreeRow[T]]:
    """The nodes depth first, iteratively (a deep tree does not hit the recursion limit).

    A node is placed once, under the first parent that reaches it; nodes of ``everything`` that
    no root reaches (only bad data, a loop, can do that) become roots, so none goes missing.
    """
    order: list[tuple[T, int, list[T]]] = []
    seen: set[Hashable] = set()
    for root in itertools.chain(roots, everything):
        if key(root) in seen:
            continue
        seen.add(key(root))
        stack = [(root, 0)]
        while stack:
            node, depth = stack.pop()
            children = [child for child in children_of(node) if key(child) not in seen]
            seen.update(key(child) for child in children)
            order.append((node, depth, children))
            stack.extend((child, depth + 1) for child in reversed(children))

    below: dict[Hashable, int] = {}
    for node, _, children in reversed(order):
        below[key(node)] = sum(1 + below[key(child)] for child in children)
    rows = []
    for index, (node, depth, children) in enumerate(order):
        next_depth = order[index + 1][1] if index + 1 < len(order) else 0
        closings = range(0) if children else range(depth - next_depth)
        rows.append(TreeRow(node, depth, len(children), below[key(node)], bool(children), closings))
    return rows


# --------------------------------------------------------------------------- the org chart


@dataclass(frozen=True)
class OrgChart:
    rows: list[TreeRow[Member]]
    focus: Member | None  # the person the chart starts from, if not the top
    above: list[Member]  # the focus's reporting line, top first
    people: int


def org_chart(actor: Member, focus_id: object = None) -> OrgChart:
    """The reporting tree of the active members, from the top (the CEO) down, or from one
    person down with their reporting line above. One query, whatever the size."""
    people = {
        m.pk: m
        for m in Member.objects.filter(organisation_id=actor.organisation_id, is_active=True)
        .select_related("user")
        .order_by("user__full_name", "pk")
    }
    reports: dict[int | None, list[Member]] = defaultdict(list)
    for member in people.values():
        # Someone whose manager left (or is outside the tree) starts a tree of their own.
        manager = member.manager_id if member.manager_id in people else None
        reports[manager].append(member)

    def children_of(member: Member) -> list[Member]:
        return reports.get(member.pk, [])

    focus = None
    above: list[Member] = []
    if focus_id not in (None, ""):
        focus = people.get(id_or_not_found(focus_id, "member"))
        if focus is None:
            raise NotFound("No such member.")
        manager_id, seen = focus.manager_id, {focus.pk}
        while manager_id in people and manager_id not in seen:
            seen.add(manager_id)
            above.insert(0, people[manager_id])
            manager_id = people[manager_id].manager_id
        roots = [focus]
    else:
        roots = reports.get(None, [])
    rows = flatten_tree(
        roots, children_of, key=lambda m: m.pk, everything=() if focus else people.values()
    )
    if focus is None:
        # The biggest tree first: the CEO's, then anyone without a manager.
        by_root: list[list[TreeRow[Member]]] = []
        for row in rows:
            if row.depth == 0:
                by_root.append([])
            by_root[-1].append(row)
        by_root.sort(key=lambda tree: (-tree[0].below, tree[0].item.name))
        rows = [row for tree in by_root for row in tree]
    return OrgChart(rows=rows, focus=focus, above=above, people=len(people))


def search_people(actor: Member, query: str, limit: int = 50) -> list[Member]:
    """Active members whose name, title or email contains every word of the query."""
    people = Member.objects.filter(organisation_id=actor.organisation_id, is_active=True)
    for word in search_words(query):
        people = people.filter(
            name_contains(word) | Q(title__icontains=word) | Q(user__email__icontains=word)
        )
    return list(people.select_related("user", "manager__user").order_by("user__full_name")[:limit])


@dataclass(frozen=True)
class PeoplePage:
    query: str
    results: list[Member] | None  # when searching
    chart: OrgChart | None  # when not
    teams: list[TreeRow[Team]]


def people_page(actor: Member, query: str = "", focus_id: object = None) -> PeoplePage:
    """The people page: search results or the org chart, and the team tree. Two queries."""
    if query:
        return PeoplePage(query, search_people(actor, query), None, team_tree(actor))
    return PeoplePage(query, None, org_chart(actor, focus_id), team_tree(actor))


# --------------------------------------------------------------------------- goals on a page


@dataclass(frozen=True)
class GoalRow:
    goal: Goal
    standing: Standing


@dataclass(frozen=True)
class PeriodChoice:
    """The period a page shows goals for, and the periods to choose from."""

    period: Period | None
    periods: list[Period]


def period_choice(actor: Member, period_id: object, today: date) -> PeriodChoice:
    """The requested period (``NotFound`` if it is not the organisation's), else today's."""
    periods = list(Period.objects.filter(organisation_id=actor.organisation_id))
    if period_id not in (None, ""):
        wanted = id_or_not_found(period_id, "period")
        chosen = next((p for p in periods if p.pk == wanted), None)
        if chosen is None:
            raise NotFound("No such period.")
        return PeriodChoice(chosen, periods)
    return PeriodChoice(goal_selectors.current_period(actor.organisation_id, today), periods)


def _goal_rows(actor: Member, goals: QuerySet[Goal], period: Period | None, today: date) -> list:
    """The goals the actor may see, of the period and of the periods around it (a year's goals
    beside a quarter's), not archived, with their status against time. One query."""
    if period is None:
        return []
    visible = (
        goals.filter(pk__in=goal_selectors.visible_goals(actor).values("pk"))
        .filter(period__start__lte=period.end, period__end__gte=period.start)
        .exclude(state=State.ARCHIVED)
        .select_related("owner__user", "team", "period")
        .order_by("period__start", "-period__end", "title", "pk")
    )
    organisation = actor.organisation
    return [GoalRow(g, goal_selectors.standing(g, organisation, today)) for g in visible]


# --------------------------------------------------------------------------- a person


@dataclass(frozen=True)
class PersonPage:
    member: Member
    reports: list[Member]  # with ``report_count`` (their own direct reports)
    teams: list[Team]  # with ``member_count``
    choice: PeriodChoice
    goals: list[GoalRow]


def get_member(actor: Member, member_id: object, field: str | None = None) -> Member:
    """A member of the actor's organisation (active or not), or ``NotFound``."""
    member = (
        Member.objects.select_related("user", "manager__user")
        .filter(
            organisation_id=actor.organisation_id,
            pk=id_or_not_found(member_id, "member", field),
        )
        .first()
    )
    if member is None:
        raise NotFound("No such member.", field)
    return member


def _with_report_count(members: QuerySet[Member]) -> QuerySet[Member]:
    return members.annotate(
        report_count=Count("reports", filter=Q(reports__is_active=True), distinct=True)
    )


def _with_member_count(teams: QuerySet[Team]) -> QuerySet[Team]:
    return teams.annotate(
        member_count=Count(
            "memberships", filter=Q(memberships__member__is_active=True), distinct=True
        )
    )


def person_page(actor: Member, member_id: object, period_id: object, today: date) -> PersonPage:
    """A person, their manager, reports, teams and the goals of theirs the actor may see."""
    member = get_member(actor, member_id)
    choice = period_choice(actor, period_id, today)
    reports = _with_report_count(
        Member.objects.filter(manager=member, is_active=True).select_related("user")
    ).order_by("user__full_name", "pk")
    teams = _with_member_count(
        # Through a subquery: filtering on the memberships join would make every count 1.
        Team.objects.filter(
            pk__in=TeamMembership.objects.filter(member=member).values("team_id")
        ).select_related("lead__user")
    ).order_by("name")
    goals = _goal_rows(actor, Goal.objects.filter(owner=member), choice.period, today)
    return PersonPage(member, list(reports), list(teams), choice, goals)


# --------------------------------------------------------------------------- teams


@dataclass(frozen=True)
class TeamPage:
    team: Team
    members: list[Member]
    sub_teams: list[Team]  # with ``member_count``
    choice: PeriodChoice
    goals: list[GoalRow]


def get_team(actor: Member, team_id: object, field: str | None = None) -> Team:
    team = (
        Team.objects.select_related("parent", "lead__user")
        .filter(organisation_id=actor.organisation_id, pk=id_or_not_found(team_id, "team", field))
        .first()
    )
    if team is None:
        raise NotFound("No such team.", field)
    return team


def get_period(actor: Member, period_id: object, field: str | None = None) -> Period:
    period = Period.objects.filter(
        organisation_id=actor.organisation_id, pk=id_or_not_found(period_id, "period", field)
    ).first()
    if period is None:
        raise NotFound("No such period.", field)
    return period


def team_page(actor: Member, team_id: object, period_id: object, today: date) -> TeamPage:
    """A team, its lead, active members, sub-teams and the goals of the team the actor may see."""
    team = get_team(actor, team_id)
    choice = period_choice(actor, period_id, today)
    members = (
        Member.objects.filter(team_memberships__team=team, is_active=True)
        .select_related("user")
        .order_by("user__full_name", "pk")
    )
    sub_teams = _with_member_count(Team.objects.filter(parent=team).select_related("lead__user"))
    goals = _goal_rows(actor, Goal.objects.filter(team=team), choice.period, today)
    return TeamPage(team, list(members), list(sub_teams.order_by("name")), choice, goals)


def team_tree(actor: Member) -> list[TreeRow[Team]]:
    """Every team of the organisation as a tree, with its lead and member count. One query."""
    teams = list(
        _with_member_count(
            Team.objects.filter(organisation_id=actor.organisation_id).select_related("lead__user")
        ).order_by("name", "pk")
    )
    return _as_tree(teams, lambda team: team.parent_id)


def period_tree(actor: Member) -> list[TreeRow[Period]]:
    """The organisation's periods, quarters nested in their year. One query."""
    periods = list(Period.objects.filter(organisation_id=actor.organisation_id))
    return _as_tree(periods, lambda period: period.parent_id)


def _as_tree[M: Model](
    items: Iterable[M], parent_of: Callable[[M], int | None]
) -> list[TreeRow[M]]:
    by_pk = {item.pk: item for item in items}
    children: dict[int | None, list[M]] = defaultdict(list)
    for item in by_pk.values():
        parent = parent_of(item)
        children[parent if parent in by_pk else None].append(item)
    return flatten_tree(
        children.get(None, []),
        lambda item: children.get(item.pk, []),
        key=lambda item: item.pk,
        everything=by_pk.values(),
    )


# --------------------------------------------------------------------------- settings lists


def members_for_settings(actor: Member, query: str = "", status: str = "") -> QuerySet[Member]:
    """Everyone of the organisation for the people settings, deactivated people included (or
    only them, or only the active), matching every word of the query; one query per page."""
    people = Member.objects.filter(organisation_id=actor.organisation_id)
    if status == "active":
        people = people.filter(is_active=True)
    elif status == "deactivated":
        people = people.filter(is_active=False)
    for word in search_words(query):
        people = people.filter(
            name_contains(word) | Q(title__icontains=word) | Q(user__email__icontains=word)
        )
    return people.select_related("user", "manager__user").order_by(
        "-is_active", "user__full_name", "pk"
    )


def active_members(actor: Member) -> QuerySet[Member]:
    """The choices for a manager, a lead or a team member."""
    return (
        Member.objects.filter(organisation_id=actor.organisation_id, is_active=True)
        .select_related("user")
        .order_by("user__full_name", "pk")
    )


def members_first(people: QuerySet[Member], team: Team) -> QuerySet[Member]:
    """The team's members first (so a long list opens on who is in), then everyone else."""
    in_team = Exists(TeamMembership.objects.filter(team=team, member=OuterRef("pk")))
    return people.annotate(in_team=in_team).order_by("-in_team", "user__full_name", "pk")


def teams_of(actor: Member) -> QuerySet[Team]:
    return Team.objects.filter(organisation_id=actor.organisation_id).order_by("name", "pk")


def periods_of(actor: Member) -> QuerySet[Period]:
    return Period.objects.filter(organisation_id=actor.organisation_id)


def team_member_ids(team: Team) -> list[int]:
    return list(team.memberships.filter(member__is_active=True).values_list("member_id", flat=True))


@dataclass(frozen=True)
class OrganisationSummary:
    people: int
    invited: int  # active, but the invitation is not accepted yet
    deactivated: int
    teams: int
    periods: int


def organisation_summary(actor: Member) -> OrganisationSummary:
    """The figures of the settings home page. Three queries."""
    people = Member.objects.filter(organisation_id=actor.organisation_id).aggregate(
        active=Count("pk", filter=Q(is_active=True)),
        invited=Count("pk", filter=Q(is_active=True, accepted_at__isnull=True)),
        deactivated=Count("pk", filter=Q(is_active=False)),
    )
    return OrganisationSummary(
        people=people["active"],
        invited=people["invited"],
        deactivated=people["deactivated"],
        teams=teams_of(actor).count(),
        periods=periods_of(actor).count(),
    )


@dataclass(frozen=True)
class DeactivationPreview:
    """What deactivating a member will do: who moves to whom, which teams lose their lead."""

    member: Member
    reports: list[Member]
    teams_led: list[Team]


def deactivation_preview(actor: Member, member_id: object) -> DeactivationPreview:
    member = get_member(actor, member_id)
    reports = Member.objects.filter(manager=member, is_active=True).select_related("user")
    teams_led = Team.objects.filter(lead=member).order_by("name")
    return DeactivationPreview(member, list(reports), list(teams_led))
