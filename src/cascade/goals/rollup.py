"""Keeping the cached progress current, incrementally (DESIGN §4).

A write that changes what a goal's progress depends on (a check-in, a KR's definition, a
weight, a link, a goal's state) runs, inside its transaction:

1. ``lock(...)``: find the key results and goals that can change — the changed KRs and the
   sum-of-children KRs above them; their goals and every goal above those — and lock their rows
   with ``SELECT … FOR UPDATE``, key results before goals, each in ascending id. One global
   order means concurrent writers queue instead of deadlocking. After locking, the graph is
   read again: a link committed meanwhile may have put more goals above. Newcomers with ids
   above every id held are locked at once; a newcomer below one would break the order (we would
   wait for it while holding higher ids, and its holder may wait for ours). Then ``lock`` rolls
   back to a savepoint taken before its first lock — PostgreSQL releases the row locks taken
   since — and locks everything found so far again, lowest id first, until a walk under the
   locks finds nothing new. What is found only grows, so this ends. Deadlocks that remain
   possible (a transaction that calls ``lock`` twice, such as a batch of check-ins) end the
   transaction with 40P01; the service's transaction is then run again
   (``cascade.core.transactions.atomic_with_retries``), and answered 503 if it keeps failing.
2. the service's own change to the locked rows;
3. ``recompute(scope, …)``: the sums, then each goal from its direct contributors, juniors
   before seniors, with the pure rules of ``cascade.progress``. Goals outside the scope are
   read, never recomputed: the work is proportional to what lies above the change, not to the
   size of the organisation. Each goal whose progress or explanation changed gets a history row.

The walks up the graph are single recursive queries, so the number of queries of a check-in
does not grow with the organisation, nor with the depth of the tree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.db.models.expressions import RawSQL

from cascade.core import clock, formatting
from cascade.core.errors import invalid
from cascade.core.numbers import MAX_ABS_VALUE
from cascade.goals.models import Contribution, Goal, GoalProgress, KeyResult, State
from cascade.notifications import events
from cascade.orgs.models import Member, Organisation, Period
from cascade.progress import (
    Direction,
    GoalNode,
    GoalState,
    KeyResultNode,
    KeyResultValues,
    Kind,
    Link,
    Status,
    evaluate,
    expected_progress,
    resolve_sums,
    status,
)


@dataclass
class Scope:
    """The locked rows a write may change: ``key_results`` and ``goals`` by id."""

    organisation_id: int
    key_results: dict[int, KeyResult] = field(default_factory=dict)
    goals: dict[int, Goal] = field(default_factory=dict)


def _upward_closure_sql(table: str, lower: str, upper: str, count: int) -> str:
    """SQL for the ids reachable upward from ``count`` starting ids (the starting ids excluded).

    UNION (not UNION ALL) drops rows already found, so the recursion ends even on bad data.
    """
    placeholders = ", ".join(["%s"] * count)
    return (
        f"WITH RECURSIVE up(id) AS ("
        f"SELECT {upper} FROM {table} WHERE {lower} IN ({placeholders}) "
        f"UNION SELECT e.{upper} FROM {table} e JOIN up ON e.{lower} = up.id"
        f") SELECT id FROM up WHERE id IS NOT NULL"
    )


def goals_above(goal_ids: Iterable[int]) -> RawSQL:
    """A subquery of every goal above the given ones in the alignment graph."""
    ids = sorted(set(goal_ids))
    sql = _upward_closure_sql(Contribution._meta.db_table, "junior_id", "senior_id", len(ids))
    return RawSQL(sql, ids)


def key_results_above(kr_ids: Iterable[int]) -> RawSQL:
    """A subquery of every sum-of-children KR the given KRs add into, directly or not."""
    ids = sorted(set(kr_ids))
    sql = _upward_closure_sql(KeyResult._meta.db_table, "id", "rollup_into_id", len(ids))
    return RawSQL(sql, ids)


def _ids(query: RawSQL) -> set[int]:
    sql, params = query.sql, query.params
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}


def _lock_upward[M: (Goal, KeyResult)](
    model: type[M], organisation_id: int, start: set[int], above: Callable[[Iterable[int]], RawSQL]
) -> tuple[dict[int, M], set[int]]:
    """Lock ``start`` and all above it, in ascending id order, until nothing new turns up.

    The walk up and the lock are separate queries on purpose: locking by a plain list of ids is
    an index lookup whatever the planner thinks of the graph. The walk is repeated under the
    locks; usually it finds nothing new, and newcomers above every id held are locked at once.
    A newcomer below an id already held must not be locked now: that would break the global
    order. Then the locks stop there and the ids to start over from come back (everything
    found so far); on success that set is empty.
    """
    locked: dict[int, M] = {}
    tried: set[int] = set()
    wanted = set(start) | _ids(above(start))
    while new := wanted - tried:
        if locked and min(new) < max(locked):
            return locked, tried | new
        tried |= new
        rows = model.objects.select_for_update().filter(
            organisation_id=organisation_id, pk__in=sorted(new)
        )
        locked.update((row.pk, row) for row in rows.order_by("pk"))
        wanted = set(locked) | _ids(above(locked))
    return locked, set()


def lock(
    organisation_id: int, *, key_results: Iterable[int] = (), goals: Iterable[int] = ()
) -> Scope:
    """Lock what a change to these key results and goals can affect (see the module's docs)."""
    savepoint = transaction.savepoint_create()
    kr_start, goal_start = set(key_results), set(goals)
    while True:
        scope = Scope(organisation_id)
        start_over: set[int] = set()
        if kr_start:
            scope.key_results, start_over = _lock_upward(
                KeyResult, organisation_id, kr_start, key_results_above
            )
            kr_start = start_over or kr_start
        if not start_over:
            start = goal_start | {kr.goal_id for kr in scope.key_results.values()}
            if start:
                scope.goals, start_over = _lock_upward(Goal, organisation_id, start, goals_above)
                goal_start = start_over or goal_start
        if not start_over:
            transaction.savepoint_commit(savepoint)
            return scope
        # Rolling back to the savepoint releases the row locks taken since: lock everything
        # found again, lowest id first. The sets only grow, so this ends.
        transaction.savepoint_rollback(savepoint)


def key_result_values(row: Mapping[str, Any]) -> KeyResultValues:
    """The progress rules' view of a key result read with ``.values()``."""
    return KeyResultValues(
        kind=Kind(row["kind"]),
        start=row["start"],
        target=row["target"],
        current=row["current"],
        direction=Direction(row["direction"]) if row["direction"] else None,
    )


def _recompute_sums(scope: Scope) -> None:
    """Refresh the current value of every sum KR in the scope and save it, by the one rule of
    sums (``progress.resolve_sums``): the scope's key results as they are now, their children
    outside the scope as stored."""
    sums = [kr for kr in scope.key_results.values() if kr.kind == Kind.SUM]
    if not sums:
        return
    outside = KeyResult.objects.filter(rollup_into_id__in=[kr.pk for kr in sums]).exclude(
        pk__in=list(scope.key_results)
    )
    children = list(
        outside.values(
            "id",
            "goal_id",
            "goal__state",
            "rollup_into_id",
            "kind",
            "start",
            "target",
            "current",
            "direction",
        )
    )
    nodes = [
        KeyResultNode(kr.pk, kr.goal_id, kr.values, rollup_into=kr.rollup_into_id)
        for kr in scope.key_results.values()
    ] + [
        KeyResultNode(c["id"], c["goal_id"], key_result_values(c), rollup_into=c["rollup_into_id"])
        for c in children
    ]
    states = {pk: GoalState(goal.state) for pk, goal in scope.goals.items()}
    states.update((c["goal_id"], GoalState(c["goal__state"])) for c in children)
    resolved = {node.id: node.values.current for node in resolve_sums(nodes, states)}
    changed = []
    for kr in sums:
        total = resolved[kr.pk]
        if total is not None and abs(total) >= MAX_ABS_VALUE:
            # Each child fits its column; their sum may not (a 500 on save, or on SQLite on read).
            raise invalid(
                f"The key results adding into “{kr.title}” would add up to {formatting.measure(total, kr.unit)}: "
                f"a value must stay under {formatting.number(MAX_ABS_VALUE)}.",
                "number_too_large",
            )
        if total != kr.current:
            kr.current = total
            kr.updated_at = clock.now()
            changed.append(kr)
    KeyResult.objects.bulk_update(changed, ["current", "updated_at"])


def _latest_explanations(goal_ids: Iterable[int]) -> dict[int, object]:
    """Each goal's explanation as last recorded in its history: one query."""
    last = (
        GoalProgress.objects.filter(goal=OuterRef("pk"))
        .order_by("-at", "-id")
        .values("explanation")[:1]
    )
    rows = (
        Goal.objects.filter(pk__in=list(goal_ids))
        .annotate(last=Subquery(last))
        .values_list("pk", "last")
    )
    return dict(rows)


def read_graph(
    nodes: dict[int, GoalNode],
) -> tuple[list[KeyResultNode], list[Link]]:
    """The key results of the goals in ``nodes`` and the links into them, for ``evaluate``.

    Juniors outside ``nodes`` are added to it with their stored progress. Two queries. Shared
    by the rollup and by previews of a change (``goals.previews``), so both see one graph.
    """
    goal_ids = set(nodes)
    key_results = [
        KeyResultNode(
            kr["id"],
            kr["goal_id"],
            key_result_values(kr),
            float(kr["weight"]),
            kr["rollup_into_id"],
        )
        for kr in KeyResult.objects.filter(goal_id__in=goal_ids).values(
            "id",
            "goal_id",
            "kind",
            "start",
            "target",
            "current",
            "direction",
            "weight",
            "rollup_into_id",
        )
    ]
    rows = Contribution.objects.filter(senior_id__in=goal_ids).values(
        "junior_id", "senior_id", "weight", "junior__state", "junior__progress"
    )
    links = []
    for row in rows:
        links.append(Link(row["junior_id"], row["senior_id"], float(row["weight"])))
        nodes.setdefault(
            row["junior_id"],
            GoalNode(row["junior_id"], GoalState(row["junior__state"]), row["junior__progress"]),
        )
    return key_results, links


def judge(
    goal: Goal, progress: float | None, organisation: Organisation, today: date
) -> Status | None:
    """The goal's status against time with this progress: only active goals have one (a draft
    has not started, a closed goal has its outcome). The one place status is worked out from a
    goal (``goals.selectors.standing`` and the rollup's alerts call it)."""
    if goal.state != State.ACTIVE:
        return None
    expected = expected_progress(goal.expected_from, goal.ends, today)
    return status(
        progress,
        expected,
        float(organisation.at_risk_margin),
        float(organisation.off_track_margin),
    )


WORSE = {
    Status.AT_RISK: {None, Status.ON_TRACK},
    Status.OFF_TRACK: {None, Status.ON_TRACK, Status.AT_RISK},
}


def _worse(
    scope: Scope, before: dict[int, float | None], links: list[Link]
) -> list[tuple[Goal, Status, list[int]]]:
    """The goals whose new progress moved them to at risk or off track today, each with the
    goals directly above it. Free unless a goal with a senior goal fell; then one query (the
    periods, with the organisation's margins)."""
    seniors: dict[int, list[int]] = {}
    for link in links:
        if link.junior in before:
            seniors.setdefault(link.junior, []).append(link.senior)
    # Only a fall (or a first figure) can make a status worse: a check-in that moves progress
    # up, the usual kind, costs nothing here.
    moved = [
        scope.goals[g]
        for g, old in before.items()
        if g in seniors
        and scope.goals[g].state == State.ACTIVE
        and (old is None or (scope.goals[g].progress or 0.0) < old)
    ]
    if not moved:
        return []
    periods = Period.objects.select_related("organisation").in_bulk({g.period_id for g in moved})
    organisation = next(iter(periods.values())).organisation
    today = clock.today()
    worse = []
    for goal in moved:
        goal.period = periods[goal.period_id]
        now = judge(goal, goal.progress, organisation, today)
        if now in WORSE and judge(goal, before[goal.pk], organisation, today) in WORSE[now]:
            worse.append((goal, now, seniors[goal.pk]))
    return worse


def recompute(scope: Scope, *, cause: str, actor: Member | None = None) -> dict[int, float | None]:
    """Recompute the scope's sums and goals; save what changed. Returns goal id → new progress.

    A goal with a senior goal that this change moved to at risk or off track is told to the
    owners of the goals directly above it (``notifications.events.contributor_at_risk``), except
    to ``actor``, whose change it was."""
    _recompute_sums(scope)
    goal_ids = set(scope.goals)
    nodes = {g.pk: GoalNode(g.pk, GoalState(g.state), g.progress) for g in scope.goals.values()}
    key_results, links = read_graph(nodes)

    explanations = evaluate(nodes, key_results, links, recompute=goal_ids)

    previous = _latest_explanations(explanations)
    now = clock.now()
    changed: dict[int, float | None] = {}
    history = []
    before: dict[int, float | None] = {}
    for goal_id, explanation in explanations.items():
        goal = scope.goals[goal_id]
        if explanation.progress != goal.progress:
            before[goal_id] = goal.progress
            changed[goal_id] = explanation.progress
            goal.progress = explanation.progress
            goal.progress_updated_at = now
        record = explanation.as_dict()
        if record != previous.get(goal_id):
            history.append(
                GoalProgress(
                    organisation_id=scope.organisation_id,
                    goal_id=goal_id,
                    at=now,
                    progress=explanation.progress,
                    cause=cause,
                    explanation=record,
                )
            )
    Goal.objects.bulk_update([scope.goals[g] for g in changed], ["progress", "progress_updated_at"])
    GoalProgress.objects.bulk_create(history)
    worse = _worse(scope, before, links)
    if worse:
        events.contributor_at_risk(actor=actor, moves=worse)
    return changed
