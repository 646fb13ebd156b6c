"""A goal's progress (DESIGN §3): the weighted mean of its contributors, and its explanation."""

import json
import math
import random

import pytest

from cascade.progress import (
    COUNTING_STATES,
    Contributor,
    ContributorKind,
    Explanation,
    GoalState,
    explain,
    goal_progress,
)

KR = ContributorKind.KEY_RESULT
GOAL = ContributorKind.GOAL


def kr(id, progress, weight=1.0):
    return Contributor(KR, id, progress, weight)


def goal(id, progress, weight=1.0, state=GoalState.ACTIVE):
    return Contributor(GOAL, id, progress, weight, state)


def share_of(explanation, kind, id):
    (share,) = [
        s for s in explanation.shares if s.contributor.kind is kind and s.contributor.id == id
    ]
    return share


# --- the weighted mean ----------------------------------------------------------------------


def test_weighted_mean_with_hand_checked_weights():
    contributors = [kr(1, 1.0, 1), kr(2, 0.5, 2), kr(3, 0.0, 1)]
    # (1·1.0 + 2·0.5 + 1·0) / (1 + 2 + 1) = (1 + 1 + 0) / 4 = 0.5
    assert goal_progress(contributors) == 0.5
    explanation = explain(contributors)
    assert explanation.progress == 0.5
    # normalised weights 1/4, 2/4, 1/4; shares 0.25·1.0, 0.5·0.5, 0.25·0
    assert [s.normalised_weight for s in explanation.shares] == [0.25, 0.5, 0.25]
    assert [s.share for s in explanation.shares] == [0.25, 0.25, 0.0]
    assert all(s.left_out is None for s in explanation.shares)


def test_unweighted_mean_by_default():
    # default weight 1: (0.25 + 0.25 + 1.0) / 3 = 1.5 / 3 = 0.5
    assert goal_progress([kr(1, 0.25), kr(2, 0.25), kr(3, 1.0)]) == 0.5


def test_krs_and_junior_goals_mix():
    contributors = [kr(1, 0.5, 1), goal(7, 1.0, 3)]
    # (1·0.5 + 3·1.0) / (1 + 3) = 3.5 / 4 = 0.875
    explanation = explain(contributors)
    assert explanation.progress == 0.875
    assert share_of(explanation, KR, 1).share == 0.125  # 0.25 · 0.5
    assert share_of(explanation, GOAL, 7).share == 0.75  # 0.75 · 1.0
    assert share_of(explanation, GOAL, 7).normalised_weight == 0.75  # 3 / 4


def test_fractional_weights():
    contributors = [kr(1, 1.0, 0.5), kr(2, 0.0, 1.5)]
    # (0.5·1 + 1.5·0) / (0.5 + 1.5) = 0.5 / 2 = 0.25
    assert goal_progress(contributors) == 0.25


def test_single_contributor_is_the_goal_progress():
    assert goal_progress([kr(1, 0.3, 5)]) == pytest.approx(0.3, abs=1e-15)
    assert goal_progress([goal(1, 0.0)]) == 0.0
    assert goal_progress([goal(1, 1.0)]) == 1.0


def test_shares_add_up_to_progress():
    contributors = [kr(1, 0.3, 1), kr(2, 0.7, 2), goal(3, 0.1, 5), goal(4, 0.9, 0.5)]
    explanation = explain(contributors)
    # (0.3 + 1.4 + 0.5 + 0.45) / 8.5 = 2.65 / 8.5
    assert explanation.progress == pytest.approx(2.65 / 8.5, abs=1e-12)
    assert math.fsum(s.share for s in explanation.shares) == pytest.approx(
        explanation.progress, abs=1e-12
    )


def test_normalised_weights_add_up_to_one_over_counted_contributors():
    contributors = [
        kr(1, 0.3, 1),
        kr(2, 0.7, 2),
        goal(3, 0.1, 5),
        goal(4, 0.9, 4, GoalState.DRAFT),
        kr(5, 0.5, 0),
        kr(6, None, 3),
    ]
    explanation = explain(contributors)
    counted = [s for s in explanation.shares if s.left_out is None]
    assert [s.contributor.key for s in counted] == ["goal:3", "key_result:1", "key_result:2"]
    # 5/8 + 1/8 + 2/8 = 1
    assert math.fsum(s.normalised_weight for s in counted) == 1.0
    assert [s.normalised_weight for s in counted] == [5 / 8, 1 / 8, 2 / 8]
    left_out = [s for s in explanation.shares if s.left_out is not None]
    assert all(s.normalised_weight == 0.0 and s.share == 0.0 for s in left_out)
    # (5·0.1 + 1·0.3 + 2·0.7) / 8 = (0.5 + 0.3 + 1.4) / 8 = 2.2 / 8 = 0.275
    assert explanation.progress == pytest.approx(0.275, abs=1e-15)


# --- who is left out, and why ---------------------------------------------------------------


def test_draft_junior_goal_is_left_out():
    contributors = [kr(1, 0.5), goal(2, 1.0, state=GoalState.DRAFT)]
    explanation = explain(contributors)
    # the draft would have lifted it to 0.75; it does not count: 0.5 / 1
    assert explanation.progress == 0.5
    assert share_of(explanation, GOAL, 2).left_out == "draft goal"


def test_archived_junior_goal_is_left_out():
    contributors = [kr(1, 0.5), goal(2, 0.0, state=GoalState.ARCHIVED)]
    explanation = explain(contributors)
    # the archived one would have pulled it down to 0.25; 0.5 / 1 = 0.5
    assert explanation.progress == 0.5
    assert share_of(explanation, GOAL, 2).left_out == "archived goal"


def test_closed_junior_goal_counts():
    contributors = [kr(1, 0.5), goal(2, 1.0, state=GoalState.CLOSED)]
    explanation = explain(contributors)
    # (0.5 + 1.0) / 2 = 0.75
    assert explanation.progress == 0.75
    assert share_of(explanation, GOAL, 2).left_out is None
    assert share_of(explanation, GOAL, 2).share == 0.5


def test_counting_states_are_active_and_closed():
    assert frozenset({GoalState.ACTIVE, GoalState.CLOSED}) == COUNTING_STATES


def test_weight_zero_is_left_out():
    contributors = [kr(1, 0.5, 1), kr(2, 1.0, 0)]
    explanation = explain(contributors)
    # 0.5 / 1; with weight 0 the second neither adds to the sum nor to the weights
    assert explanation.progress == 0.5
    assert share_of(explanation, KR, 2).left_out == "weight 0"


def test_no_progress_yet_is_left_out_not_read_as_zero():
    contributors = [kr(1, 0.5), goal(2, None)]
    explanation = explain(contributors)
    # 0.5 / 1 = 0.5 (counting it as 0 would give 0.25)
    assert explanation.progress == 0.5
    assert share_of(explanation, GOAL, 2).left_out == "no progress yet"


def test_state_is_the_first_reason():
    explanation = explain([goal(1, None, 0, GoalState.ARCHIVED), goal(2, None, 0)])
    assert share_of(explanation, GOAL, 1).left_out == "archived goal"
    assert share_of(explanation, GOAL, 2).left_out == "weight 0"


def test_progress_zero_counts():
    # 0 is a real progress, not "no progress": (0 + 1) / 2 = 0.5
    assert goal_progress([kr(1, 0.0), kr(2, 1.0)]) == 0.5


# --- no counting contributor ----------------------------------------------------------------


def test_no_contributors_at_all_is_none():
    explanation = explain([])
    assert explanation.progress is None
    assert explanation.shares == ()
    assert goal_progress([]) is None


@pytest.mark.parametrize(
    "contributors",
    [
        [goal(1, 0.5, state=GoalState.DRAFT)],
        [goal(1, 0.5, state=GoalState.ARCHIVED), goal(2, 1.0, state=GoalState.DRAFT)],
        [kr(1, 0.5, 0)],
        [kr(1, None)],
        [kr(1, None), kr(2, 0.7, 0), goal(3, 1.0, state=GoalState.DRAFT)],
    ],
)
def test_no_counting_contributor_is_none_never_zero(contributors):
    explanation = explain(contributors)
    assert explanation.progress is None
    assert goal_progress(contributors) is None
    # every contributor is still listed, with the reason it does not count
    assert len(explanation.shares) == len(contributors)
    assert all(s.left_out is not None for s in explanation.shares)
    assert all(s.share == 0.0 and s.normalised_weight == 0.0 for s in explanation.shares)


# --- the explanation as a record ------------------------------------------------------------


def test_as_dict_is_json_serialisable_and_round_trips_the_numbers():
    contributors = [
        kr(1, 0.1, 3),
        goal(2, 2 / 3, 0.7),
        goal(3, None, 1, GoalState.ARCHIVED),
        kr(4, 0.5, 0),
    ]
    explanation = explain(contributors)
    record = json.loads(json.dumps(explanation.as_dict()))
    assert record["progress"] == explanation.progress  # floats survive JSON exactly (repr)
    assert len(record["contributors"]) == 4
    for row, share in zip(record["contributors"], explanation.shares, strict=True):
        assert row == {
            "kind": share.contributor.kind.value,
            "id": share.contributor.id,
            "progress": share.contributor.progress,
            "weight": share.contributor.weight,
            "state": share.contributor.state.value,
            "left_out": share.left_out,
            "normalised_weight": share.normalised_weight,
            "share": share.share,
        }
    archived = next(row for row in record["contributors"] if row["id"] == 3)
    assert archived["kind"] == "goal"
    assert archived["state"] == "archived"
    assert archived["left_out"] == "archived goal"
    assert archived["progress"] is None


def test_as_dict_of_a_goal_without_progress():
    record = json.loads(json.dumps(explain([kr(1, None)]).as_dict()))
    assert record["progress"] is None
    assert record["contributors"][0]["left_out"] == "no progress yet"
    assert record["contributors"][0]["kind"] == "key_result"
    assert record["contributors"][0]["state"] == "active"


def test_explanation_lists_contributors_in_a_fixed_order():
    explanation = explain([kr(2, 0.1), goal(9, 0.2), kr(1, 0.3), goal(3, 0.4)])
    keys = [s.contributor.key for s in explanation.shares]
    assert keys == ["goal:3", "goal:9", "key_result:1", "key_result:2"]


def test_contributor_key():
    assert kr(5, 0.1).key == "key_result:5"
    assert goal(5, 0.1).key == "goal:5"


# --- order independence ---------------------------------------------------------------------


def test_order_independence_is_exact():
    rng = random.Random(20240101)
    contributors = [
        Contributor(
            rng.choice(list(ContributorKind)),
            i,
            rng.choice([None, rng.random()]),
            rng.choice([0.0, rng.uniform(0.01, 10), 1.0]),
            rng.choice(list(GoalState)),
        )
        for i in range(40)
    ]
    reference = explain(contributors)
    assert reference.progress is not None
    for _ in range(25):
        shuffled = contributors[:]
        rng.shuffle(shuffled)
        again = explain(shuffled)
        assert again == reference  # same floats to the last bit, same shares in the same order
        assert goal_progress(shuffled) == reference.progress


def test_progress_is_clamped_to_one_even_with_rounding():
    # ten times 0.1 with progress 1.0: weighted sum and total weight are the same fsum
    assert goal_progress([kr(i, 1.0, 0.1) for i in range(10)]) == 1.0


def test_sums_are_exactly_rounded():
    # ten weights of 0.1 (the float just above 1/10): their exact sum rounds to 1.0, and
    # ten times 0.1 · 0.5 = 0.05 rounds to 0.5, so the mean is exactly 0.5 / 1.0 = 0.5
    assert goal_progress([kr(i, 0.5, 0.1) for i in range(10)]) == 0.5


def test_progress_never_exceeds_one_even_from_a_bad_stored_value():
    # a junior's stored progress of 1.5 (not a valid progress) cannot lift a goal above 1:
    # (1.5 + 1.0) / 2 = 1.25 → clamped to 1.0
    assert goal_progress([goal(1, 1.5), kr(2, 1.0)]) == 1.0


def test_explanation_is_a_value():
    a = explain([kr(1, 0.5)])
    b = explain([kr(1, 0.5)])
    assert a == b
    assert isinstance(a, Explanation)
