"""Progress over the whole alignment graph: sum-of-children KRs, then goals, bottom up.

Two graphs carry values upward, and neither can feed the other, so each must only be acyclic
on its own:

* key results linked under a sum-of-children KR (a KR's value never depends on a goal);
* goals aligned under senior goals (a weighted DAG: a goal may contribute to several).

``evaluate`` is used both for a full recomputation (``verify_progress``, the tests) and, on a
small part of the graph, for the incremental update after a check-in. Both paths run the same
code on the same inputs, which is why they agree exactly.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from cascade.progress.goals import (
    COUNTING_STATES,
    Contributor,
    ContributorKind,
    Explanation,
    GoalState,
    explain,
)
from cascade.progress.keyresults import KeyResultValues, Kind, progress, sum_of_children


class CycleError(ValueError):
    """The links form a cycle, so no value can be computed bottom up."""


@dataclass(frozen=True, slots=True)
class GoalNode:
    id: int
    state: GoalState
    # The stored progress. It is used as is for goals outside the part being recomputed, and
    # for closed goals, whose progress is frozen at the value they had when they were closed.
    progress: float | None = None


@dataclass(frozen=True, slots=True)
class KeyResultNode:
    id: int
    goal_id: int
    values: KeyResultValues
    weight: float = 1.0
    rollup_into: int | None = None  # the sum-of-children KR this one adds into


@dataclass(frozen=True, slots=True)
class Link:
    junior: int
    senior: int
    weight: float = 1.0


def topological_order(nodes: Iterable[int], edges: Iterable[tuple[int, int]]) -> list[int]:
    """Nodes ordered so that for every edge ``(lower, upper)`` the lower one comes first.

    Edges that touch a node outside ``nodes`` are ignored. Ties are broken by id, so the
    order is deterministic. Raises ``CycleError`` if the edges among the nodes form a cycle.
    """
    members = set(nodes)
    uppers: dict[int, list[int]] = defaultdict(list)
    pending = dict.fromkeys(members, 0)
    for lower, upper in edges:
        if lower in members and upper in members:
            uppers[lower].append(upper)
            pending[upper] += 1
    ready = [n for n, count in pending.items() if count == 0]
    heapq.heapify(ready)
    order: list[int] = []
    while ready:
        node = heapq.heappop(ready)
        order.append(node)
        for upper in uppers[node]:
            pending[upper] -= 1
            if pending[upper] == 0:
                heapq.heappush(ready, upper)
    if len(order) != len(members):
        raise CycleError("the links form a cycle")
    return order


def closes_cycle(uppers: Mapping[int, Iterable[int]], lower: int, upper: int) -> bool:
    """Would a new edge ``lower → upper`` close a cycle, given each node's existing uppers?"""
    seen: set[int] = set()
    frontier = [upper]
    while frontier:
        node = frontier.pop()
        if node == lower:
            return True
        if node not in seen:
            seen.add(node)
            frontier.extend(uppers.get(node, ()))
    return False


def resolve_sums(
    key_results: Sequence[KeyResultNode], goal_states: Mapping[int, GoalState]
) -> list[KeyResultNode]:
    """Key results with each sum-of-children KR's current value filled in from its children.

    A child counts only while its own goal counts (not a draft, not archived), like any other
    contributor. A sum on a closed goal keeps the value it was given: it froze with its goal.
    """
    by_id = {kr.id: kr for kr in key_results}
    children: dict[int, list[int]] = defaultdict(list)
    for kr in key_results:
        if kr.rollup_into is not None and goal_states.get(kr.goal_id) in COUNTING_STATES:
            children[kr.rollup_into].append(kr.id)
    edges = [(kr.id, kr.rollup_into) for kr in key_results if kr.rollup_into is not None]
    for kr_id in topological_order(by_id, edges):
        kr = by_id[kr_id]
        if kr.values.kind is Kind.SUM and goal_states.get(kr.goal_id) is not GoalState.CLOSED:
            total = sum_of_children(by_id[c].values for c in children[kr_id] if c in by_id)
            by_id[kr_id] = replace(kr, values=replace(kr.values, current=total))
    return [by_id[kr.id] for kr in key_results]


def contributors_of(
    goal_id: int,
    key_results: Iterable[KeyResultNode],
    links: Iterable[Link],
    progress_of: Mapping[int, float | None],
    state_of: Mapping[int, GoalState],
) -> list[Contributor]:
    own = [
        Contributor(ContributorKind.KEY_RESULT, kr.id, progress(kr.values), kr.weight)
        for kr in key_results
        if kr.goal_id == goal_id
    ]
    juniors = [
        Contributor(
            ContributorKind.GOAL,
            link.junior,
            progress_of[link.junior],
            link.weight,
            state_of[link.junior],
        )
        for link in links
        if link.senior == goal_id
    ]
    return own + juniors


def evaluate(
    goals: Mapping[int, GoalNode],
    key_results: Sequence[KeyResultNode],
    links: Sequence[Link],
    recompute: Collection[int] | None = None,
) -> dict[int, Explanation]:
    """Recompute the goals in ``recompute`` (default: all), juniors before seniors.

    ``goals`` must hold every goal in ``recompute`` and every junior linked under one of them;
    juniors outside ``recompute`` contribute their stored progress. Closed goals keep their
    stored (frozen) progress and get no new explanation. Key results must already have their
    sums resolved (see ``resolve_sums``).
    """
    targets = set(goals) if recompute is None else set(recompute)
    krs_by_goal: dict[int, list[KeyResultNode]] = defaultdict(list)
    for kr in key_results:
        krs_by_goal[kr.goal_id].append(kr)
    links_by_senior: dict[int, list[Link]] = defaultdict(list)
    for link in links:
        links_by_senior[link.senior].append(link)

    progress_of = {goal.id: goal.progress for goal in goals.values()}
    state_of = {goal.id: goal.state for goal in goals.values()}
    explanations: dict[int, Explanation] = {}
    for goal_id in topological_order(targets, ((link.junior, link.senior) for link in links)):
        if state_of[goal_id] is GoalState.CLOSED:
            continue
        contributors = contributors_of(
            goal_id, krs_by_goal[goal_id], links_by_senior[goal_id], progress_of, state_of
        )
        explanation = explain(contributors)
        explanations[goal_id] = explanation
        progress_of[goal_id] = explanation.progress
    return explanations
