"""Reads of goals, tuned so that each page runs a fixed number of queries whatever its size."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Case, F, FloatField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.urls import reverse
from django.utils.safestring import SafeString

from cascade import permissions
from cascade.core import markdown
from cascade.core.errors import NotFound
from cascade.core.numbers import id_or_not_found
from cascade.core.text import search_words
from cascade.goals import rollup
from cascade.goals.models import Comment, Contribution, Goal, KeyResult, State
from cascade.orgs.models import Member, Organisation, Period, name_contains
from cascade.progress import (
    OPEN_STATES,
    Status,
    attainment,
    expected_from,
    expected_progress,
    progress,
)
from cascade.progress.schedule import ON_THE_LINE


@dataclass(frozen=True)
class Standing:
    """Progress against time: what is expected by today and the resulting status."""

    expected: float
    status: Status | None
    expected_from: date  # the day the expected progress counts from (Goal.expected_from)
    counted_from: str  # what that day is: "start_date", "created" or "period" (its start)


def standing(goal: Goal, organisation: Organisation, today: date) -> Standing:
    """Expected progress and status. Only active goals have a status: a draft has not started,
    a closed goal has its outcome and score instead."""
    start = goal.expected_from
    counted_from = (
        "start_date"
        if goal.start_date is not None
        else "created"
        if start > goal.period.start
        else "period"
    )
    expected = expected_progress(start, goal.ends, today)
    judged = rollup.judge(goal, goal.progress, organisation, today)
    return Standing(expected, judged, start, counted_from)


def current_period(organisation_id: int, today: date) -> Period | None:
    """The shortest period containing today (the quarter rather than the year), else the latest."""
    periods = list(Period.objects.filter(organisation_id=organisation_id))
    containing = [p for p in periods if p.start <= today <= p.end]
    if containing:
        return min(containing, key=lambda p: (p.end - p.start, p.start))
    return max(periods, key=lambda p: p.end, default=None)


def visible_goals(actor: Member) -> QuerySet[Goal]:
    """The goals of the actor's organisation that the actor may see."""
    return Goal.objects.filter(
        Q(organisation_id=actor.organisation_id) & permissions.visible_goals(actor)
    )


# The lookups by id of both front doors (web views and API routers). Each applies what the actor
# may see and answers anything else, another organisation's objects included, as NotFound;
# ``field`` names the input that carried the id (an API body's field, a form's).


def get_goal(actor: Member, goal_id: object, field: str | None = None) -> Goal:
    """A goal the actor may see, or NotFound — also for other organisations' and private goals."""
    goal = (
        visible_goals(actor)
        .select_related("owner__user", "team", "period")
        .filter(pk=id_or_not_found(goal_id, "goal", field))
        .first()
    )
    if goal is None:
        raise NotFound("No such goal.", field)
    return goal


def get_key_result(actor: Member, key_result_id: object, field: str | None = None) -> KeyResult:
    """A key result of a goal the actor may see, or NotFound. One query."""
    kr = (
        KeyResult.objects.select_related("goal")
        .filter(
            pk=id_or_not_found(key_result_id, "key result", field),
            goal__in=visible_goals(actor),
        )
        .first()
    )
    if kr is None:
        raise NotFound("No such key result.", field)
    return kr


def get_key_results(actor: Member, key_result_ids: list[int]) -> dict[int, KeyResult]:
    """The key results of goals the actor may see, by id; the others are missing. One query."""
    return {
        kr.pk: kr
        for kr in KeyResult.objects.select_related("goal").filter(
            pk__in=key_result_ids, goal__in=visible_goals(actor)
        )
    }


def get_contribution(actor: Member, contribution_id: object) -> Contribution:
    """A link between two goals, if the actor may see it (``permissions.visible_contributions``:
    both its ends), or NotFound. One query."""
    link = (
        Contribution.objects.select_related("junior", "senior")
        .filter(organisation_id=actor.organisation_id)
        .filter(permissions.visible_contributions(actor))
        .filter(pk=id_or_not_found(contribution_id, "contribution"))
        .first()
    )
    if link is None:
        raise NotFound("No such contribution.")
    return link


@dataclass(frozen=True)
class KeyResultRow:
    key_result: KeyResult
    progress: float
    attainment: float


@dataclass(frozen=True)
class LinkRow:
    """A contribution seen from one end: the goal at the other end, if the actor may see it."""

    contribution: Contribution
    goal: Goal
    visible: bool

    @property
    def weight(self) -> float:
        return float(self.contribution.weight)


@dataclass(frozen=True)
class GoalDetail:
    goal: Goal
    standing: Standing
    key_results: list[KeyResultRow]
    contributors: list[LinkRow]  # junior goals aligned under this one
    parents: list[LinkRow]  # senior goals this one contributes to


def key_result_rows(key_results: list[KeyResult]) -> list[KeyResultRow]:
    return [KeyResultRow(kr, progress(kr.values), attainment(kr.values)) for kr in key_results]


def link_rows(
    goal_id: int, links: list[Contribution], visible: set[int]
) -> tuple[list[LinkRow], list[LinkRow]]:
    """A goal's contributors and parents among ``links``, each marked visible or not."""
    contributors = [
        LinkRow(link, link.junior, link.junior_id in visible)
        for link in links
        if link.senior_id == goal_id
    ]
    parents = [
        LinkRow(link, link.senior, link.senior_id in visible)
        for link in links
        if link.junior_id == goal_id
    ]
    return contributors, parents


def goal_detail(actor: Member, goal_id: object, today: date) -> GoalDetail:
    """A goal with its KRs, its contributing goals and the goals it contributes to: five queries."""
    goal = get_goal(actor, goal_id)
    links = list(
        Contribution.objects.filter(Q(senior=goal) | Q(junior=goal))
        .select_related(
            "junior__owner__user", "senior__owner__user", "junior__team", "senior__team"
        )
        .order_by("-weight", "id")
    )
    others = [link.junior_id if link.senior_id == goal.pk else link.senior_id for link in links]
    visible = set(visible_goals(actor).filter(pk__in=others).values_list("pk", flat=True))
    return GoalDetail(
        goal,
        standing(goal, actor.organisation, today),
        key_result_rows(list(KeyResult.objects.filter(goal=goal).order_by("position", "id"))),
        *link_rows(goal.pk, links, visible),
    )


@dataclass
class TreeNode:
    goal: Goal
    standing: Standing
    weight: float | None = None  # the weight of the link to the parent node
    children: list[TreeNode] = field(default_factory=list)
    repeated: bool = False  # shown in full elsewhere in the tree (it contributes to several goals)
    focus: bool = False
    below: int = 0  # its juniors in view, also when they were left out of ``children`` (levels)

    @property
    def opens(self) -> bool:
        """Whether it opens onto its juniors: a repeat points to where it is shown in full."""
        return self.below > 0 and not self.repeated


@dataclass
class _Shape:
    """A node before its goal is loaded: the tree is shaped from ids and titles alone."""

    goal_id: int
    weight: float | None
    children: list[_Shape]
    repeated: bool
    below: int


def _related(start: int, edges: dict[int, list[int]]) -> set[int]:
    found, frontier = set(), [start]
    while frontier:
        node = frontier.pop()
        for other in edges.get(node, ()):
            if other not in found:
                found.add(other)
                frontier.append(other)
    return found


def goal_tree(
    actor: Member,
    period: Period,
    today: date,
    focus: int | None = None,
    levels: int | None = None,
) -> list[TreeNode]:
    """The visible goals of the period, and of the periods around it (the year of a quarter), as a
    forest: top goals first, each with its contributors below.

    With ``focus``, only that goal, the goals above it and the goals below it. With ``levels``,
    only so many levels below the top goals (or below the focus); a node at the last level keeps
    the count of its juniors in ``below``, to be fetched when someone opens it. A goal that
    contributes to several senior goals is shown in full under the first and marked as repeated
    under the others, so the tree stays as large as the graph, never larger.

    Four queries, whatever the number of goals. The tree is shaped from ids and titles, and only
    the goals it shows are loaded whole: a period of ten thousand goals shaped into a tree three
    levels deep costs ten thousand tuples, not ten thousand models.
    """
    in_view = (
        visible_goals(actor)
        .filter(period__start__lte=period.end, period__end__gte=period.start)
        .exclude(state=State.ARCHIVED)
    )
    titles = dict(in_view.values_list("pk", "title"))
    links = Contribution.objects.filter(
        senior_id__in=in_view.values("pk"), junior_id__in=in_view.values("pk")
    ).values_list("junior_id", "senior_id", "weight")
    below: dict[int, list[tuple[int, float]]] = defaultdict(list)
    above: dict[int, list[int]] = defaultdict(list)
    for junior, senior, weight in links:
        below[senior].append((junior, float(weight)))
        above[junior].append(senior)
    if focus is not None and focus in titles:
        keep = (
            {focus}
            | _related(focus, above)
            | _related(focus, {k: [j for j, _ in v] for k, v in below.items()})
        )
        titles = {pk: title for pk, title in titles.items() if pk in keep}
    expanded: set[int] = set()

    def shape(
        goal_id: int, weight: float | None, path: frozenset[int], budget: int | None
    ) -> _Shape:
        # Only the juniors still in view: with a focus, a senior's other juniors are left out.
        juniors = sorted(
            ((child, w) for child, w in below[goal_id] if child in titles and child not in path),
            key=lambda item: (titles[item[0]], item[0]),
        )
        here = _Shape(goal_id, weight, [], goal_id in expanded, len(juniors))
        if here.repeated:
            return here
        if goal_id == focus:
            budget = levels
        if budget is None or budget > 0:
            # Counted as shown in full only once its juniors are: a goal cut off at the last
            # level here may still be opened where it appears again.
            expanded.add(goal_id)
            after = None if budget is None else budget - 1
            here.children = [shape(child, w, path | {child}, after) for child, w in juniors]
        return here

    roots = sorted(
        (pk for pk in titles if not any(senior in titles for senior in above[pk])),
        key=lambda pk: (titles[pk], pk),
    )
    # Around a goal, the line above it is shown whole; the levels count from the goal down.
    start = None if focus in titles else levels
    shapes = [shape(pk, None, frozenset({pk}), start) for pk in roots]

    shown: set[int] = set()
    stack = list(shapes)
    while stack:
        item = stack.pop()
        shown.add(item.goal_id)
        stack.extend(item.children)
    # Through the same filter as the shaping: a goal archived or made private meanwhile drops out.
    goals = in_view.select_related("owner__user", "team", "period").in_bulk(shown)
    organisation = actor.organisation

    def node(item: _Shape) -> TreeNode:
        goal = goals[item.goal_id]
        return TreeNode(
            goal,
            standing(goal, organisation, today),
            item.weight,
            [node(child) for child in item.children if child.goal_id in goals],
            item.repeated,
            item.goal_id == focus,
            item.below,
        )

    return [node(item) for item in shapes if item.goal_id in goals]


@dataclass(frozen=True)
class GoalFilters:
    """The filters of the goals list (web and API). Empty values do not filter."""

    period: int | None = None
    team: int | None = None
    owner: int | None = None
    state: str | None = None  # default: everything but archived goals
    status: Status | None = None
    search: str = ""


def filter_by_status(
    goals: QuerySet[Goal], wanted: Status, organisation: Organisation, today: date
) -> QuerySet[Goal]:
    """Keep the goals whose status against time is ``wanted``, in SQL, so lists can page in SQL.

    The expected progress depends only on a goal's dates (``Goal.expected_from`` and its end),
    and goals share few of them, so one query finds the distinct dates, the pure rules turn each
    into the lines between the statuses, and a CASE gives every row its lines. A CASE, not an
    OR per date: its length does not nest, so SQLite's expression depth limit is never near.
    """
    at_risk, off_track = float(organisation.at_risk_margin), float(organisation.off_track_margin)
    dated = goals.filter(state=State.ACTIVE).annotate(
        period_start=F("period__start"),
        created_on=TruncDate("created_at"),
        ends_on=Coalesce("end_date", "period__end"),
    )
    on_lines, off_lines = [], []
    dates = ("start_date", "period_start", "created_on", "ends_on")
    for own, period_start, created_on, ends_on in dated.values_list(*dates).distinct().order_by():
        start = expected_from(period_start, ends_on, created_on, own)
        expected = expected_progress(start, ends_on, today)
        these = Q(start_date=own, period_start=period_start, created_on=created_on, ends_on=ends_on)
        on_lines.append(When(these, then=Value(expected - at_risk - ON_THE_LINE)))
        off_lines.append(When(these, then=Value(expected - off_track - ON_THE_LINE)))
    if not on_lines:
        return dated.none()
    dated = dated.annotate(
        on_line=Case(*on_lines, output_field=FloatField()),
        off_line=Case(*off_lines, output_field=FloatField()),
    )
    by_status = {
        Status.ON_TRACK: Q(progress__gte=F("on_line")),
        Status.AT_RISK: Q(progress__lt=F("on_line"), progress__gte=F("off_line")),
        Status.OFF_TRACK: Q(progress__lt=F("off_line")),
    }
    return dated.filter(by_status[wanted])


def goal_list(actor: Member, filters: GoalFilters, today: date) -> QuerySet[Goal]:
    """The goals the actor may see, filtered, with what a list row shows. One query to evaluate."""
    goals = visible_goals(actor).select_related("owner__user", "team", "period")
    if filters.period is not None:
        goals = goals.filter(period_id=filters.period)
    if filters.team is not None:
        goals = goals.filter(team_id=filters.team)
    if filters.owner is not None:
        goals = goals.filter(owner_id=filters.owner)
    goals = (
        goals.filter(state=filters.state) if filters.state else goals.exclude(state=State.ARCHIVED)
    )
    for word in search_words(filters.search):
        goals = goals.filter(Q(title__icontains=word) | Q(description__icontains=word))
    if filters.status is not None:
        goals = filter_by_status(goals, filters.status, actor.organisation, today)
    return goals.order_by("period__start", "title", "id")


def my_key_results(member: Member) -> QuerySet[KeyResult]:
    """The key results a person checks in on: those of their open goals, except sums. One query."""
    return (
        KeyResult.objects.filter(goal__owner=member, goal__state__in=OPEN_STATES)
        .exclude(kind="sum")
        .select_related("goal")
        .order_by("goal__title", "goal_id", "position", "id")
    )


def stale(before: datetime) -> Q:
    """Key results waiting for a check-in at a cadence whose stale line is ``before``
    (``progress.cadence.stale_before``): of an active goal, last checked in — or, never
    checked in, created — before it. Sums and KRs a data source keeps current wait for nobody.
    My week and the check-in reminders both filter with this; ``progress.cadence.is_stale`` is
    the same rule for one KR."""
    return (
        (Q(last_checkin_at__lt=before) | Q(last_checkin_at__isnull=True, created_at__lt=before))
        & Q(goal__state=State.ACTIVE, data_source__isnull=True)
        & ~Q(kind="sum")
    )


def goals_fed_by(actor: Member, goal_ids: list[int]) -> list[Goal]:
    """The goals above the given ones in the alignment graph, that the actor may see. One query."""
    from cascade.goals.rollup import goals_above

    if not goal_ids:
        return []
    return list(
        visible_goals(actor)
        .filter(pk__in=goals_above(goal_ids))
        .select_related("owner__user")
        .order_by("title")
    )


# --------------------------------------------------------------------------- comments


def get_comment(actor: Member, comment_id: object) -> Comment:
    """A comment on a goal the actor may see, or NotFound. One query."""
    comment = (
        Comment.objects.select_related("goal__owner", "goal__team", "author__user")
        .filter(
            pk=id_or_not_found(comment_id, "comment"),
            goal__in=visible_goals(actor),
        )
        .first()
    )
    if comment is None:
        raise NotFound("No such comment.")
    return comment


def goal_comments(goal: Goal) -> QuerySet[Comment]:
    """A goal's comments, oldest first, with their authors."""
    return (
        Comment.objects.filter(goal=goal)
        .select_related("author__user")
        .order_by("created_at", "id")
    )


def mentionable(goal: Goal) -> QuerySet[Member]:
    """Who a comment on the goal may mention: the organisation's joined, active members who may
    see the goal. Anyone else named in a comment is plain text, and is not told."""
    return (
        Member.objects.joined()
        .filter(organisation_id=goal.organisation_id)
        .filter(permissions.goal_viewers(goal))
    )


def mention_candidates(actor: Member, goal: Goal, query: str, limit: int = 10) -> list[Member]:
    """The picker's people: mentionable, named (or titled) with every word of the query, the
    actor left out. One query."""
    people = mentionable(goal).exclude(pk=actor.pk)
    for word in search_words(query, 5):
        people = people.filter(name_contains(word) | Q(title__icontains=word))
    return list(people.select_related("user").order_by("user__full_name", "pk")[:limit])


def person_path(organisation_slug: str, member_id: int) -> str:
    return reverse("person", kwargs={"org": organisation_slug, "member_id": member_id})


def mentions_in(goal: Goal, bodies: list[str]) -> dict[int, Member]:
    """The people the texts mention who count (``mentionable``), by id. One query (none when
    nobody is mentioned)."""
    ids = {pk for body in bodies for pk in markdown.mentioned_ids(body)}
    if not ids:
        return {}
    return {m.pk: m for m in mentionable(goal).filter(pk__in=ids).select_related("user")}


@dataclass(frozen=True)
class CommentRow:
    comment: Comment
    html: SafeString
    mentions: list[Member]  # the people it mentions who count, in the order written
    can_edit: bool
    can_delete: bool


def comment_rows(actor: Member, goal: Goal, comments: list[Comment]) -> list[CommentRow]:
    """Comments rendered for the actor: one query for all their mentions, whatever their number."""
    slug = actor.organisation.slug
    people = mentions_in(goal, [c.body for c in comments])
    shown = {
        pk: markdown.Mention(member.name, person_path(slug, pk)) for pk, member in people.items()
    }
    return [
        CommentRow(
            comment=c,
            html=markdown.render(c.body, shown),
            mentions=[people[pk] for pk in markdown.mentioned_ids(c.body) if pk in people],
            can_edit=permissions.can_edit_comment(actor, c.author_id),
            can_delete=permissions.can_delete_comment(actor, c.author_id),
        )
        for c in comments
    ]
