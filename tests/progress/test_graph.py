"""Progress over the alignment graph: ordering, cycles, sum-of-children KRs and evaluation."""

from decimal import Decimal

import pytest

from cascade.progress import (
    CycleError,
    Direction,
    GoalNode,
    GoalState,
    KeyResultNode,
    KeyResultValues,
    Kind,
    Link,
    closes_cycle,
    evaluate,
    progress,
    resolve_sums,
    topological_order,
)

ACTIVE, DRAFT, CLOSED, ARCHIVED = (
    GoalState.ACTIVE,
    GoalState.DRAFT,
    GoalState.CLOSED,
    GoalState.ARCHIVED,
)


def values(kind, start, target, current=None, direction=None):
    return KeyResultValues(
        kind,
        Decimal(start),
        Decimal(target),
        None if current is None else Decimal(current),
        direction,
    )


def metric_kr(id, goal_id, start, target, current=None, weight=1.0, rollup_into=None):
    return KeyResultNode(
        id, goal_id, values(Kind.METRIC, start, target, current), weight, rollup_into
    )


def sum_kr(id, goal_id, start, target, weight=1.0, rollup_into=None):
    return KeyResultNode(id, goal_id, values(Kind.SUM, start, target), weight, rollup_into)


def goals_of(*nodes):
    return {node.id: node for node in nodes}


def by_id(key_results):
    return {kr.id: kr for kr in key_results}


# --- topological order ----------------------------------------------------------------------


def test_juniors_come_before_seniors():
    # 1 → 2 → 3, and 4 → 3
    order = topological_order([3, 2, 1, 4], [(1, 2), (2, 3), (4, 3)])
    assert order.index(1) < order.index(2) < order.index(3)
    assert order.index(4) < order.index(3)
    assert sorted(order) == [1, 2, 3, 4]


def test_ties_are_broken_by_id():
    # no edges: plain id order, whatever the input order
    assert topological_order([5, 3, 9, 1], []) == [1, 3, 5, 9]
    # 9 → 1: 9 must precede 1; 3 and 5 are free and come by id as soon as they are ready
    assert topological_order([5, 3, 9, 1], [(9, 1)]) == [3, 5, 9, 1]
    # 4 → 2 with 1 and 3 free: 1, 3, 4 ready; 2 becomes ready after 4
    assert topological_order([1, 2, 3, 4], [(4, 2)]) == [1, 3, 4, 2]


def test_order_is_deterministic_for_any_input_order():
    nodes = [6, 1, 4, 2, 5, 3]
    edges = [(1, 4), (2, 4), (4, 6), (3, 5), (5, 6)]
    reference = topological_order(nodes, edges)
    assert reference == [1, 2, 3, 4, 5, 6]
    assert topological_order(reversed(nodes), list(reversed(edges))) == reference


def test_edges_to_outside_nodes_are_ignored():
    # 7 and 8 are not among the nodes; 8 → 2 → 7 would otherwise matter
    assert topological_order([1, 2, 3], [(2, 7), (8, 2), (3, 1)]) == [2, 3, 1]


def test_an_edge_from_outside_does_not_block_its_upper():
    assert topological_order([2], [(1, 2)]) == [2]


def test_duplicate_edges_are_harmless():
    assert topological_order([1, 2], [(2, 1), (2, 1)]) == [2, 1]


def test_empty():
    assert topological_order([], []) == []


@pytest.mark.parametrize(
    "edges",
    [
        [(1, 1)],
        [(1, 2), (2, 1)],
        [(1, 2), (2, 3), (3, 1)],
        [(1, 2), (2, 3), (3, 4), (4, 2)],
    ],
)
def test_a_cycle_raises(edges):
    with pytest.raises(CycleError):
        topological_order([1, 2, 3, 4], edges)


def test_a_cycle_only_through_outside_nodes_is_ignored():
    # 1 → 9 → 1 is a cycle, but 9 is outside the nodes
    assert topological_order([1, 2], [(1, 9), (9, 1)]) == [1, 2]


def test_cycle_error_is_a_value_error():
    assert issubclass(CycleError, ValueError)


# --- closes_cycle ---------------------------------------------------------------------------


def test_closes_cycle():
    # 1 → 2 → 3, 1 → 4
    uppers = {1: [2, 4], 2: [3]}
    assert closes_cycle(uppers, 3, 1)  # 3 → 1 → 2 → 3
    assert closes_cycle(uppers, 2, 1)  # 2 → 1 → 2
    assert closes_cycle(uppers, 4, 1)  # 4 → 1 → 4
    assert not closes_cycle(uppers, 1, 3)  # a shortcut, not a cycle
    assert not closes_cycle(uppers, 4, 3)  # 4 and 3 are on different branches
    assert not closes_cycle(uppers, 3, 4)
    assert not closes_cycle(uppers, 5, 1)  # a new node


def test_a_self_link_closes_a_cycle():
    assert closes_cycle({}, 1, 1)


def test_closes_cycle_through_a_diamond():
    # 1 → 2 → 4, 1 → 3 → 4; 4 → 1 closes through both branches
    uppers = {1: [2, 3], 2: [4], 3: [4]}
    assert closes_cycle(uppers, 4, 1)
    assert not closes_cycle(uppers, 2, 3)


def test_closes_cycle_on_a_long_chain():
    uppers = {i: [i + 1] for i in range(1000)}
    assert closes_cycle(uppers, 1000, 0)
    assert not closes_cycle(uppers, 0, 1000)


# --- resolve_sums ---------------------------------------------------------------------------


def test_nested_sums_add_up_from_the_bottom():
    """Company revenue (sum) ← region revenue (sum) ← country KRs.

    Parents are listed before their children, so the function must order them itself.
    """
    key_results = [
        sum_kr(1, goal_id=100, start=0, target=100),  # company
        sum_kr(2, goal_id=200, start=0, target=50, rollup_into=1),  # region
        metric_kr(3, 300, 0, 30, current=10, rollup_into=2),  # country A: 10
        metric_kr(4, 300, 5, 30, rollup_into=2),  # country B: no check-in → its start, 5
        metric_kr(5, 400, 0, 30, current=100, rollup_into=2),  # in a draft goal: left out
        metric_kr(6, 500, 0, 30, current=100, rollup_into=1),  # in an archived goal: left out
        metric_kr(7, 200, 0, 30, current=7, rollup_into=1),  # another direct child: 7
        metric_kr(8, 600, 0, 30, current=1000),  # not rolled up anywhere
    ]
    states = {100: ACTIVE, 200: ACTIVE, 300: ACTIVE, 400: DRAFT, 500: ARCHIVED, 600: ACTIVE}
    resolved = by_id(resolve_sums(key_results, states))
    # region: 10 + 5 = 15
    assert resolved[2].values.current == Decimal(15)
    # company: region 15 + 7 = 22
    assert resolved[1].values.current == Decimal(22)
    # the other KRs are untouched
    for kr in key_results[2:]:
        assert resolved[kr.id] == kr


def test_resolve_sums_keeps_the_input_order_and_the_other_fields():
    key_results = [
        sum_kr(1, 100, 0, 100, weight=2.5),
        metric_kr(2, 100, 0, 10, current=4, rollup_into=1),
    ]
    resolved = resolve_sums(key_results, {100: ACTIVE})
    assert [kr.id for kr in resolved] == [1, 2]
    assert resolved[0].weight == 2.5
    assert resolved[0].goal_id == 100
    assert resolved[0].values.kind is Kind.SUM
    assert resolved[0].values.start == Decimal(0)
    assert resolved[0].values.target == Decimal(100)
    assert resolved[0].values.current == Decimal(4)
    assert key_results[0].values.current is None  # the input is not changed


def test_closed_goal_children_count_in_a_sum():
    key_results = [sum_kr(1, 100, 0, 100), metric_kr(2, 200, 0, 10, current=6, rollup_into=1)]
    resolved = resolve_sums(key_results, {100: ACTIVE, 200: CLOSED})
    assert resolved[0].values.current == Decimal(6)


def test_children_of_an_unknown_goal_are_left_out():
    key_results = [sum_kr(1, 100, 0, 100), metric_kr(2, 999, 0, 10, current=6, rollup_into=1)]
    resolved = resolve_sums(key_results, {100: ACTIVE})
    assert resolved[0].values.current is None


def test_a_sum_without_counting_children_has_no_value_and_reads_as_its_start():
    key_results = [
        sum_kr(1, 100, 10, 20),
        metric_kr(2, 200, 0, 10, current=6, rollup_into=1),  # draft goal
    ]
    resolved = resolve_sums(key_results, {100: ACTIVE, 200: DRAFT})
    assert resolved[0].values.current is None
    assert resolved[0].values.effective_current == Decimal(10)


def test_a_sum_of_a_sum_in_a_draft_goal_leaves_that_branch_out():
    key_results = [
        sum_kr(1, 100, 0, 100),
        sum_kr(2, 200, 0, 100, rollup_into=1),  # draft goal: its whole branch is left out
        metric_kr(3, 300, 0, 10, current=6, rollup_into=2),
        metric_kr(4, 100, 0, 10, current=3, rollup_into=1),
    ]
    resolved = by_id(resolve_sums(key_results, {100: ACTIVE, 200: DRAFT, 300: ACTIVE}))
    # the draft sum still gets its own value, 6, but does not pass it on
    assert resolved[2].values.current == Decimal(6)
    # company: 3 only
    assert resolved[1].values.current == Decimal(3)


def test_a_sum_of_children_checked_in_below_start():
    # children 2 + 3 = 5 on a decreasing sum 20 → 0: (5 − 20) / (0 − 20) = 0.75
    key_results = [
        sum_kr(1, 100, 20, 0),
        metric_kr(2, 100, 10, 0, current=2, rollup_into=1),
        metric_kr(3, 100, 10, 0, current=3, rollup_into=1),
    ]
    resolved = resolve_sums(key_results, {100: ACTIVE})
    assert resolved[0].values.current == Decimal(5)
    assert progress(resolved[0].values) == 0.75


def test_a_rollup_cycle_raises():
    key_results = [sum_kr(1, 100, 0, 10, rollup_into=2), sum_kr(2, 100, 0, 10, rollup_into=1)]
    with pytest.raises(CycleError):
        resolve_sums(key_results, {100: ACTIVE})


# --- evaluate -------------------------------------------------------------------------------


def three_levels():
    """Company (1) ← Sales (2, weight 3) ← EMEA (3, weight 1); Sales ← Marketing draft (4).

    1: KR 101 metric 0→100 at 50 = 0.5
    2: KR 201 milestone done = 1.0
    3: KR 301 metric 20→100 at 60 = 0.5, KR 302 threshold ≥ 10 at 5 = 0
    4: draft, KR 401 metric 0→10 at 10 = 1.0
    """
    goals = goals_of(
        GoalNode(1, ACTIVE), GoalNode(2, ACTIVE), GoalNode(3, ACTIVE), GoalNode(4, DRAFT)
    )
    key_results = [
        metric_kr(101, 1, 0, 100, current=50),
        KeyResultNode(201, 2, values(Kind.MILESTONE, 0, 1, 1)),
        metric_kr(301, 3, 20, 100, current=60),
        KeyResultNode(302, 3, values(Kind.THRESHOLD, 0, 10, 5, Direction.ABOVE)),
        metric_kr(401, 4, 0, 10, current=10),
    ]
    links = [Link(2, 1, 3.0), Link(3, 2, 1.0), Link(4, 2, 1.0)]
    return goals, key_results, links


def test_three_level_tree():
    goals, key_results, links = three_levels()
    result = evaluate(goals, key_results, links)
    assert set(result) == {1, 2, 3, 4}
    # EMEA: (0.5 + 0) / 2 = 0.25
    assert result[3].progress == 0.25
    # Marketing (draft) is computed for itself: 1.0 / 1
    assert result[4].progress == 1.0
    # Sales: milestone 1.0 (w1) + EMEA 0.25 (w1); the draft is left out: 1.25 / 2 = 0.625
    assert result[2].progress == 0.625
    # Company: revenue 0.5 (w1) + Sales 0.625 (w3): (0.5 + 1.875) / 4 = 2.375 / 4 = 0.59375
    assert result[1].progress == 0.59375


def test_three_level_tree_explanations():
    goals, key_results, links = three_levels()
    result = evaluate(goals, key_results, links)
    sales = {s.contributor.key: s for s in result[2].shares}
    assert set(sales) == {"key_result:201", "goal:3", "goal:4"}
    assert sales["goal:4"].left_out == "draft goal"
    assert sales["goal:3"].contributor.progress == 0.25
    assert sales["goal:3"].share == 0.125  # ½ · 0.25
    company = {s.contributor.key: s for s in result[1].shares}
    assert company["goal:2"].normalised_weight == 0.75  # 3 / 4
    assert company["goal:2"].share == 0.46875  # ¾ · 0.625
    assert company["key_result:101"].share == 0.125  # ¼ · 0.5
    # the KR contributor carries the KR's own progress and weight
    assert company["key_result:101"].contributor.progress == 0.5
    assert company["key_result:101"].contributor.weight == 1.0


def test_one_goal_contributing_to_two_seniors_with_different_weights():
    """Junior 10 (0.5) under senior 20 (weight 1) and senior 30 (weight 3)."""
    goals = goals_of(GoalNode(10, ACTIVE), GoalNode(20, ACTIVE), GoalNode(30, ACTIVE))
    key_results = [
        metric_kr(1, 10, 0, 10, current=5),  # 0.5
        metric_kr(2, 20, 0, 10, current=10),  # 1.0
        metric_kr(3, 30, 0, 10, current=0),  # 0.0
    ]
    links = [Link(10, 20, 1.0), Link(10, 30, 3.0)]
    result = evaluate(goals, key_results, links)
    assert result[10].progress == 0.5
    # 20: (1·1.0 + 1·0.5) / 2 = 0.75
    assert result[20].progress == 0.75
    # 30: (1·0 + 3·0.5) / 4 = 1.5 / 4 = 0.375
    assert result[30].progress == 0.375
    junior_in_30 = next(s for s in result[30].shares if s.contributor.key == "goal:10")
    assert junior_in_30.normalised_weight == 0.75
    assert junior_in_30.share == 0.375


def test_kr_weights_count():
    goals = goals_of(GoalNode(1, ACTIVE))
    key_results = [
        metric_kr(1, 1, 0, 10, current=10, weight=3.0),  # 1.0
        metric_kr(2, 1, 0, 10, current=0, weight=1.0),  # 0.0
        metric_kr(3, 1, 0, 10, current=5, weight=0.0),  # left out
    ]
    # (3·1 + 1·0) / 4 = 0.75
    assert evaluate(goals, key_results, [])[1].progress == 0.75


def test_recompute_a_subset_uses_the_stored_progress_of_juniors_outside_it():
    goals, key_results, links = three_levels()
    # EMEA's stored progress is 0.75 (its KRs would give 0.25); it is not recomputed
    goals[3] = GoalNode(3, ACTIVE, progress=0.75)
    result = evaluate(goals, key_results, links, recompute={1, 2})
    assert set(result) == {1, 2}
    # Sales: (1.0 + 0.75) / 2 = 0.875
    assert result[2].progress == 0.875
    # Company uses the new Sales value, not a stored one: (0.5 + 3·0.875) / 4 = 3.125 / 4 = 0.78125
    assert result[1].progress == 0.78125


def test_recompute_a_subset_ignores_stale_stored_progress_inside_it():
    goals, key_results, links = three_levels()
    stale = {gid: GoalNode(gid, node.state, progress=0.0) for gid, node in goals.items()}
    full = evaluate(goals, key_results, links)
    partial = evaluate(stale, key_results, links, recompute={1, 2, 3, 4})
    assert partial == full


def test_recompute_only_the_top():
    goals, key_results, links = three_levels()
    goals[2] = GoalNode(2, ACTIVE, progress=None)
    # Sales stored without progress: Company has only its KR: 0.5 / 1
    result = evaluate(goals, key_results, links, recompute=[1])
    assert set(result) == {1}
    assert result[1].progress == 0.5


def test_closed_goals_keep_their_stored_progress_and_get_no_explanation():
    goals, key_results, links = three_levels()
    # EMEA is closed at 0.75; its KRs now say 0.25, but a closed goal is frozen
    goals[3] = GoalNode(3, CLOSED, progress=0.75)
    result = evaluate(goals, key_results, links)
    assert 3 not in result
    # Sales counts the closed goal with its frozen value: (1.0 + 0.75) / 2 = 0.875
    assert result[2].progress == 0.875
    emea = next(s for s in result[2].shares if s.contributor.key == "goal:3")
    assert emea.left_out is None
    assert emea.contributor.state is CLOSED


def test_closed_goal_without_stored_progress_is_left_out():
    goals, key_results, links = three_levels()
    goals[3] = GoalNode(3, CLOSED, progress=None)
    result = evaluate(goals, key_results, links)
    assert 3 not in result
    # Sales: only its milestone counts: 1.0 / 1
    assert result[2].progress == 1.0
    emea = next(s for s in result[2].shares if s.contributor.key == "goal:3")
    assert emea.left_out == "no progress yet"


def test_archived_junior_is_left_out_but_computed_for_itself():
    goals, key_results, links = three_levels()
    goals[3] = GoalNode(3, ARCHIVED)
    result = evaluate(goals, key_results, links)
    assert result[3].progress == 0.25
    # Sales: milestone only: 1.0
    assert result[2].progress == 1.0
    # Company: (0.5 + 3·1.0) / 4 = 0.875
    assert result[1].progress == 0.875


def test_goal_without_contributors_has_no_progress_and_its_senior_ignores_it():
    goals = goals_of(GoalNode(1, ACTIVE), GoalNode(2, ACTIVE))
    key_results = [metric_kr(1, 1, 0, 4, current=1)]  # 0.25
    result = evaluate(goals, key_results, [Link(2, 1)])
    assert result[2].progress is None
    assert result[2].shares == ()
    # 0.25 / 1, not (0.25 + 0) / 2
    assert result[1].progress == 0.25


def test_sum_kr_resolved_then_evaluated():
    goals = goals_of(GoalNode(1, ACTIVE), GoalNode(2, ACTIVE), GoalNode(3, ACTIVE))
    key_results = [
        sum_kr(1, 1, 0, 200),
        metric_kr(2, 2, 0, 100, current=30, rollup_into=1),  # 0.3
        metric_kr(3, 3, 0, 100, current=70, rollup_into=1),  # 0.7
    ]
    resolved = resolve_sums(key_results, {1: ACTIVE, 2: ACTIVE, 3: ACTIVE})
    result = evaluate(goals, resolved, [])
    # sum: 30 + 70 = 100 of 200 = 0.5
    assert result[1].progress == 0.5
    assert result[2].progress == pytest.approx(0.3, abs=1e-15)
    assert result[3].progress == pytest.approx(0.7, abs=1e-15)


def test_a_goal_cycle_raises():
    goals = goals_of(GoalNode(1, ACTIVE), GoalNode(2, ACTIVE))
    with pytest.raises(CycleError):
        evaluate(goals, [], [Link(1, 2), Link(2, 1)])


def test_a_cycle_outside_the_recomputed_part_does_not_matter():
    goals = goals_of(GoalNode(1, ACTIVE), GoalNode(2, ACTIVE, 0.5), GoalNode(3, ACTIVE, 0.5))
    result = evaluate(goals, [], [Link(2, 3), Link(3, 2), Link(2, 1)], recompute={1})
    assert result[1].progress == 0.5
