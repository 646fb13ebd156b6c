"""The weighted goal sheet and the review score, with hand-checked numbers."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cascade.progress.sheets import (
    WeightedItem,
    overall_score,
    rated_mean,
    rating_bounds_errors,
    sheet_totals,
    split_errors,
)


def test_achieved_is_the_weighted_sum_of_progress():
    # 40 × 0.5 + 30 × 0.8 + 30 × 0.25 = 20 + 24 + 7.5 = 51.5 of a total target of 100
    totals = sheet_totals([WeightedItem(40, 0.5), WeightedItem(30, 0.8), WeightedItem(30, 0.25)])
    assert totals.total_target == 100
    assert totals.achieved == pytest.approx(51.5)
    assert totals.percent == pytest.approx(0.515)


def test_weights_need_not_add_up_to_100():
    # Total target 7: 5 × 1.0 + 2 × 0.5 = 6 → 6 / 7
    totals = sheet_totals([WeightedItem(5, 1.0), WeightedItem(2, 0.5)])
    assert (totals.total_target, totals.achieved) == (7, 6)
    assert totals.percent == pytest.approx(6 / 7)


def test_no_progress_achieves_nothing_and_overshoot_is_clamped():
    assert WeightedItem(10, None).achieved == 0
    assert WeightedItem(10, 1.7).achieved == 10
    assert sheet_totals([]).percent is None
    assert sheet_totals([WeightedItem(0, 1.0)]).percent is None


@given(st.lists(st.tuples(st.floats(0, 1000), st.one_of(st.none(), st.floats(0, 1))), max_size=20))
def test_achieved_never_exceeds_the_total_target(items):
    totals = sheet_totals([WeightedItem(w, p) for w, p in items])
    assert 0 <= totals.achieved <= totals.total_target + 1e-9
    if totals.percent is not None:
        assert 0 <= totals.percent <= 1 + 1e-12


def test_rated_mean_once_everything_weighted_is_rated():
    # (4 × 2 + 2 × 1) / 3 = 10 / 3; a zero weight needs no rating and changes nothing
    assert rated_mean([(4, 2.0), (2, 1.0), (None, 0.0)]) == pytest.approx(10 / 3)
    assert rated_mean([(4, 2.0), (2, 1.0), (1, 0.0)]) == pytest.approx(10 / 3)
    # one of two rated: no score yet, rather than the 4.0 of the one rating given
    assert rated_mean([(4, 2.0), (None, 1.0)]) is None
    assert rated_mean([]) is None
    assert rated_mean([(3, 0.0)]) is None


def test_overall_score_with_and_without_goals():
    split = {"goals_weight": 0.5, "competencies_weight": 0.5}
    # 50/50: 4 × 0.5 + 3 × 0.5 = 3.5; 30/70: 4 × 0.3 + 3 × 0.7 = 3.3
    assert overall_score(3, 4, goals_count=True, **split) == 3.5
    assert overall_score(
        3, 4, goals_count=True, goals_weight=0.3, competencies_weight=0.7
    ) == pytest.approx(3.3)
    # goals not counted (setting off, or an empty sheet): competencies are everything
    assert overall_score(3, None, goals_count=False, **split) == 3
    assert overall_score(3, 5, goals_count=False, **split) == 3
    # goals counted but not yet rated: no overall score
    assert overall_score(3, None, goals_count=True, **split) is None
    assert overall_score(None, 4, goals_count=True, **split) is None


def test_the_split_must_add_up_to_one():
    assert split_errors(Decimal("0.4"), Decimal("0.6")) == {}
    assert "competencies_weight" in split_errors(Decimal("0.4"), Decimal("0.5"))
    assert "goals_weight" in split_errors(Decimal("-0.1"), Decimal("1.1"))


def test_a_scale_has_two_distinct_levels_at_least():
    assert rating_bounds_errors([1, 2, 3, 4, 5]) == {}
    assert rating_bounds_errors([1])
    assert rating_bounds_errors([1, 1, 2])
