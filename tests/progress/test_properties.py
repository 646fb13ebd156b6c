"""Properties of the progress rules that must hold for any input, checked with hypothesis."""

import math
from dataclasses import dataclass
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cascade.progress import (
    COUNTING_STATES,
    Contributor,
    ContributorKind,
    CycleError,
    Direction,
    GoalNode,
    GoalState,
    KeyResultNode,
    KeyResultValues,
    Kind,
    Link,
    attainment,
    closes_cycle,
    evaluate,
    explain,
    goal_progress,
    progress,
    resolve_sums,
    topological_order,
)

# --- strategies -----------------------------------------------------------------------------

amounts = st.decimals(
    min_value=-1_000_000, max_value=1_000_000, places=2, allow_nan=False, allow_infinity=False
)
small_amounts = st.decimals(
    min_value=-1000, max_value=1000, places=2, allow_nan=False, allow_infinity=False
)
fractions = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
# Weights as an organisation would set them: 0 (left out) or a sane positive number.
weights = st.one_of(st.just(0.0), st.floats(min_value=0.001, max_value=1000.0))


@st.composite
def metric_ends(draw, values=amounts):
    start = draw(values)
    target = draw(values.filter(lambda t: t != start))
    return start, target


@st.composite
def key_result_values(draw, values=small_amounts, kinds=tuple(Kind)):
    """Any valid key result: metric, milestone, threshold or (unresolved) sum."""
    kind = draw(st.sampled_from(kinds))
    current = draw(st.none() | values)
    if kind in (Kind.METRIC, Kind.SUM):
        start, target = draw(metric_ends(values))
        return KeyResultValues(kind, start, target, current)
    if kind is Kind.MILESTONE:
        done = draw(st.none() | st.sampled_from([Decimal(0), Decimal(1)]))
        return KeyResultValues(kind, Decimal(0), Decimal(1), done)
    return KeyResultValues(
        kind, draw(values), draw(values), current, draw(st.sampled_from(Direction))
    )


contributors = st.lists(
    st.builds(
        Contributor,
        kind=st.sampled_from(ContributorKind),
        id=st.integers(min_value=1, max_value=10_000),
        progress=st.none() | fractions,
        weight=weights,
        state=st.sampled_from(GoalState),
    ),
    max_size=12,
    unique_by=lambda c: c.key,
)


def counts(c: Contributor) -> bool:
    return c.state in COUNTING_STATES and c.weight > 0 and c.progress is not None


# --- key results ----------------------------------------------------------------------------


@given(
    ends=metric_ends(), current=st.none() | amounts, kind=st.sampled_from([Kind.METRIC, Kind.SUM])
)
def test_metric_progress_is_in_0_1_and_is_clamped_attainment(ends, current, kind):
    start, target = ends
    kr = KeyResultValues(kind, start, target, current)
    p = progress(kr)
    assert 0.0 <= p <= 1.0
    assert p == min(1.0, max(0.0, attainment(kr)))


@given(ends=metric_ends())
def test_metric_attainment_is_0_at_start_and_1_at_target(ends):
    start, target = ends
    assert attainment(KeyResultValues(Kind.METRIC, start, target, start)) == 0.0
    assert attainment(KeyResultValues(Kind.METRIC, start, target, None)) == 0.0
    assert attainment(KeyResultValues(Kind.METRIC, start, target, target)) == 1.0


@given(ends=metric_ends(), a=amounts, b=amounts)
def test_metric_is_monotone_in_the_right_direction(ends, a, b):
    start, target = ends
    lower, higher = sorted((a, b))
    kr_lower = KeyResultValues(Kind.METRIC, start, target, lower)
    kr_higher = KeyResultValues(Kind.METRIC, start, target, higher)
    if target > start:
        # more is better: a larger current never gives less
        assert attainment(kr_lower) <= attainment(kr_higher)
        assert progress(kr_lower) <= progress(kr_higher)
    else:
        # less is better: a smaller current never gives less
        assert attainment(kr_higher) <= attainment(kr_lower)
        assert progress(kr_higher) <= progress(kr_lower)


@given(ends=metric_ends(), current=amounts)
def test_metric_attainment_is_the_signed_fraction_of_the_way(ends, current):
    start, target = ends
    kr = KeyResultValues(Kind.METRIC, start, target, current)
    expected = (float(current) - float(start)) / (float(target) - float(start))
    assert attainment(kr) == pytest.approx(expected, rel=1e-9, abs=1e-12)


@given(kr=key_result_values())
def test_every_kind_has_progress_in_0_1(kr):
    assert 0.0 <= progress(kr) <= 1.0


@given(kr=key_result_values(kinds=(Kind.MILESTONE, Kind.THRESHOLD)))
def test_milestones_and_thresholds_are_all_or_nothing(kr):
    assert attainment(kr) in (0.0, 1.0)


# --- goals ----------------------------------------------------------------------------------


@given(cs=contributors)
def test_goal_progress_is_in_0_1_or_none_iff_nothing_counts(cs):
    p = goal_progress(cs)
    if any(counts(c) for c in cs):
        assert p is not None
        assert 0.0 <= p <= 1.0
    else:
        assert p is None


@given(cs=contributors)
def test_goal_progress_is_the_weighted_mean(cs):
    counted = [c for c in cs if counts(c)]
    p = goal_progress(cs)
    if counted:
        total = sum(c.weight for c in counted)
        mean = sum(c.weight * c.progress for c in counted) / total
        assert p == pytest.approx(mean, abs=1e-12)
        # a mean lies between the smallest and the largest counted progress
        assert min(c.progress for c in counted) - 1e-12 <= p
        assert p <= max(c.progress for c in counted) + 1e-12


@given(cs=contributors, factor=st.floats(min_value=0.01, max_value=100.0))
def test_scaling_all_weights_does_not_change_the_result(cs, factor):
    scaled = [Contributor(c.kind, c.id, c.progress, c.weight * factor, c.state) for c in cs]
    p = goal_progress(cs)
    q = goal_progress(scaled)
    if p is None:
        assert q is None
    else:
        assert q == pytest.approx(p, abs=1e-12)


@given(cs=contributors)
def test_shares_add_up_to_progress_and_weights_to_one(cs):
    explanation = explain(cs)
    assert len(explanation.shares) == len(cs)
    counted = [s for s in explanation.shares if s.left_out is None]
    assert [s.contributor for s in counted] == sorted(
        (c for c in cs if counts(c)), key=lambda c: (c.kind.value, c.id)
    )
    if explanation.progress is None:
        assert counted == []
    else:
        assert math.fsum(s.share for s in explanation.shares) == pytest.approx(
            explanation.progress, abs=1e-9
        )
        assert math.fsum(s.normalised_weight for s in counted) == pytest.approx(1.0, abs=1e-9)
    for s in explanation.shares:
        if s.left_out is not None:
            assert s.share == 0.0
            assert s.normalised_weight == 0.0


@given(data=st.data(), cs=contributors)
def test_contributor_order_does_not_matter_to_the_last_bit(data, cs):
    shuffled = data.draw(st.permutations(cs))
    assert explain(shuffled) == explain(cs)


# --- graphs ---------------------------------------------------------------------------------


@st.composite
def dags(draw, max_nodes=8):
    """Node ids and edges (lower, upper), acyclic: edges only go from a lower to a higher index.

    The indices are then relabelled with shuffled ids, so that the direction of the edges
    does not follow the order of the ids (which the tie-break would otherwise hide).
    """
    n = draw(st.integers(min_value=1, max_value=max_nodes))
    ids = draw(st.permutations([10 * (i + 1) for i in range(n)]))
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True)) if pairs else []
    return ids, [(ids[i], ids[j]) for i, j in chosen]


@given(dag=dags())
def test_topological_order_puts_every_lower_before_its_upper(dag):
    ids, edges = dag
    order = topological_order(ids, edges)
    assert sorted(order) == sorted(ids)
    position = {node: i for i, node in enumerate(order)}
    for lower, upper in edges:
        assert position[lower] < position[upper]


@given(dag=dags(), data=st.data())
def test_closes_cycle_agrees_with_topological_order(dag, data):
    ids, edges = dag
    lower = data.draw(st.sampled_from(ids))
    upper = data.draw(st.sampled_from(ids))
    uppers: dict[int, list[int]] = {}
    for a, b in edges:
        uppers.setdefault(a, []).append(b)
    try:
        topological_order(ids, [*edges, (lower, upper)])
    except CycleError:
        assert closes_cycle(uppers, lower, upper)
    else:
        assert not closes_cycle(uppers, lower, upper)


@dataclass
class Graph:
    goals: dict[int, GoalNode]
    key_results: list[KeyResultNode]
    links: list[Link]


@st.composite
def graphs(draw):
    """A random goal DAG with random KRs on its goals, sum KRs fed by other KRs.

    Closed goals have a random stored progress; the stored progress of other goals is
    irrelevant to a full evaluation and is left random too.
    """
    ids, edges = draw(dags())
    goals = {
        gid: GoalNode(gid, draw(st.sampled_from(GoalState)), draw(st.none() | fractions))
        for gid in ids
    }
    links = [Link(junior, senior, draw(weights)) for junior, senior in edges]
    n_krs = draw(st.integers(min_value=0, max_value=12))
    key_results: list[KeyResultNode] = []
    for index in range(n_krs):
        key_results.append(
            KeyResultNode(
                id=1000 + index,
                goal_id=draw(st.sampled_from(ids)),
                values=draw(key_result_values()),
                weight=draw(weights),
            )
        )
    # Rollups go from a KR to a sum KR listed after it, so they are acyclic too.
    for index, kr in enumerate(key_results):
        sums_after = [k.id for k in key_results[index + 1 :] if k.values.kind is Kind.SUM]
        if sums_after and draw(st.booleans()):
            key_results[index] = KeyResultNode(
                kr.id, kr.goal_id, kr.values, kr.weight, draw(st.sampled_from(sums_after))
            )
    states = {gid: node.state for gid, node in goals.items()}
    return Graph(goals, resolve_sums(key_results, states), links)


def upward_closure(seed: set[int], links: list[Link]) -> set[int]:
    closed = set(seed)
    frontier = list(seed)
    while frontier:
        node = frontier.pop()
        for link in links:
            if link.junior == node and link.senior not in closed:
                closed.add(link.senior)
                frontier.append(link.senior)
    return closed


@settings(max_examples=200, deadline=None)
@given(graph=graphs())
def test_evaluate_gives_progress_in_0_1_or_none_for_every_goal(graph):
    result = evaluate(graph.goals, graph.key_results, graph.links)
    for gid, node in graph.goals.items():
        if node.state is GoalState.CLOSED:
            assert gid not in result
            continue
        p = result[gid].progress
        assert p is None or 0.0 <= p <= 1.0
        # None exactly when no contributor counts
        assert (p is None) == all(s.left_out is not None for s in result[gid].shares)


@settings(max_examples=200, deadline=None)
@given(graph=graphs(), data=st.data())
def test_incremental_evaluation_agrees_exactly_with_full_evaluation(graph, data):
    full = evaluate(graph.goals, graph.key_results, graph.links)
    seed = data.draw(st.sets(st.sampled_from(sorted(graph.goals))))
    subset = upward_closure(seed, graph.links)
    # Stored values: from the full evaluation outside the subset (closed goals keep theirs);
    # inside the subset a stale value that the recomputation must not read.
    stored = {}
    for gid, node in graph.goals.items():
        if node.state is GoalState.CLOSED:
            stored[gid] = node
        elif gid in subset:
            stored[gid] = GoalNode(gid, node.state, data.draw(st.none() | fractions))
        else:
            stored[gid] = GoalNode(gid, node.state, full[gid].progress)
    partial = evaluate(stored, graph.key_results, graph.links, recompute=subset)
    assert set(partial) == {gid for gid in subset if graph.goals[gid].state is not GoalState.CLOSED}
    for gid, explanation in partial.items():
        assert explanation == full[gid]  # exact: same floats to the last bit


@settings(deadline=None)
@given(graph=graphs(), data=st.data())
def test_evaluate_does_not_depend_on_the_order_of_links_and_key_results(graph, data):
    links = data.draw(st.permutations(graph.links))
    key_results = data.draw(st.permutations(graph.key_results))
    assert evaluate(graph.goals, key_results, links) == evaluate(
        graph.goals, graph.key_results, graph.links
    )
