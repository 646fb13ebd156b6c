"""Key results (DESIGN §3): attainment and progress of every kind, sums, and validation."""

from decimal import Decimal

import pytest

from cascade.progress import (
    Direction,
    KeyResultValues,
    Kind,
    attainment,
    progress,
    sum_of_children,
    validation_errors,
)


def metric(start, target, current=None, kind=Kind.METRIC):
    return KeyResultValues(
        kind,
        Decimal(start),
        Decimal(target),
        None if current is None else Decimal(current),
    )


def milestone(current=None):
    return KeyResultValues(
        Kind.MILESTONE, Decimal(0), Decimal(1), None if current is None else Decimal(current)
    )


def threshold(line, direction, current, start="0"):
    return KeyResultValues(
        Kind.THRESHOLD, Decimal(start), Decimal(line), Decimal(current), direction
    )


# --- metric ---------------------------------------------------------------------------------


def test_increasing_metric_half_way():
    kr = metric(20, 100, 60)
    # (60 − 20) / (100 − 20) = 40 / 80 = 0.5
    assert attainment(kr) == 0.5
    assert progress(kr) == 0.5


def test_increasing_metric_at_start_and_at_target():
    # (20 − 20) / 80 = 0
    assert progress(metric(20, 100, 20)) == 0.0
    # (100 − 20) / 80 = 1
    assert progress(metric(20, 100, 100)) == 1.0


def test_decreasing_metric_half_way():
    kr = metric(50, 10, 30)
    # (30 − 50) / (10 − 50) = −20 / −40 = 0.5
    assert attainment(kr) == 0.5
    assert progress(kr) == 0.5


def test_decreasing_metric_moving_the_wrong_way_is_negative_attainment_and_zero_progress():
    kr = metric(50, 10, 60)
    # (60 − 50) / (10 − 50) = 10 / −40 = −0.25: signed, never abs()
    assert attainment(kr) == -0.25
    # clamp(−0.25, 0, 1) = 0
    assert progress(kr) == 0.0


def test_decreasing_metric_beyond_target():
    kr = metric(50, 10, 0)
    # (0 − 50) / (10 − 50) = −50 / −40 = 1.25
    assert attainment(kr) == 1.25
    assert progress(kr) == 1.0


def test_exceeded_metric_keeps_raw_attainment_but_progress_is_capped():
    kr = metric(0, 100, 150)
    # (150 − 0) / (100 − 0) = 1.5 (shown as 150 %), clamped to 1.0 for the rollup
    assert attainment(kr) == 1.5
    assert progress(kr) == 1.0


def test_increasing_metric_below_start_is_negative_attainment():
    kr = metric(20, 100, 0)
    # (0 − 20) / 80 = −0.25
    assert attainment(kr) == -0.25
    assert progress(kr) == 0.0


def test_no_check_in_reads_as_start():
    kr = metric(20, 100)  # current None
    assert kr.effective_current == Decimal(20)
    # (20 − 20) / 80 = 0
    assert attainment(kr) == 0.0
    assert progress(kr) == 0.0


def test_no_check_in_on_a_decreasing_metric_reads_as_start():
    kr = metric(50, 10)
    assert kr.effective_current == Decimal(50)
    # (50 − 50) / (10 − 50) = 0 (and not a negative zero that would compare oddly)
    assert attainment(kr) == 0.0
    assert progress(kr) == 0.0


def test_metric_with_decimal_fractions():
    kr = metric("0.5", "2.5", "1.0")
    # (1.0 − 0.5) / (2.5 − 0.5) = 0.5 / 2 = 0.25
    assert attainment(kr) == 0.25


@pytest.mark.parametrize("kind", [Kind.METRIC, Kind.SUM])
def test_start_equal_to_target_is_refused_by_attainment_and_progress(kind):
    kr = metric(10, 10, 10, kind=kind)
    with pytest.raises(ValueError, match="target different from its start"):
        attainment(kr)
    with pytest.raises(ValueError, match="target different from its start"):
        progress(kr)


def test_sum_kr_follows_the_metric_rule():
    kr = metric(0, 200, 50, kind=Kind.SUM)
    # (50 − 0) / (200 − 0) = 0.25
    assert attainment(kr) == 0.25
    assert progress(kr) == 0.25


def test_sum_kr_can_exceed():
    kr = metric(0, 200, 300, kind=Kind.SUM)
    # 300 / 200 = 1.5 → progress 1.0
    assert attainment(kr) == 1.5
    assert progress(kr) == 1.0


# --- milestone ------------------------------------------------------------------------------


def test_milestone_not_done_is_zero():
    assert attainment(milestone(0)) == 0.0
    assert progress(milestone(0)) == 0.0


def test_milestone_without_check_in_is_zero():
    assert progress(milestone()) == 0.0


def test_milestone_done_is_one():
    assert attainment(milestone(1)) == 1.0
    assert progress(milestone(1)) == 1.0


def test_milestone_is_all_or_nothing():
    # a half-done milestone is not done
    assert progress(milestone("0.5")) == 0.0
    assert progress(milestone("0.99")) == 0.0


# --- threshold ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "expected"),
    [("11", 1.0), ("10", 1.0), ("9.99", 0.0), ("-5", 0.0)],
)
def test_threshold_above_is_inclusive_at_the_line(current, expected):
    kr = threshold("10", Direction.ABOVE, current)
    assert attainment(kr) == expected
    assert progress(kr) == expected


@pytest.mark.parametrize(
    ("current", "expected"),
    [("9", 1.0), ("10", 1.0), ("10.01", 0.0), ("1000", 0.0)],
)
def test_threshold_below_is_inclusive_at_the_line(current, expected):
    kr = threshold("10", Direction.BELOW, current)
    assert attainment(kr) == expected
    assert progress(kr) == expected


def test_threshold_without_check_in_is_judged_on_its_start_value():
    above = KeyResultValues(Kind.THRESHOLD, Decimal(12), Decimal(10), None, Direction.ABOVE)
    below = KeyResultValues(Kind.THRESHOLD, Decimal(12), Decimal(10), None, Direction.BELOW)
    assert progress(above) == 1.0  # 12 ≥ 10
    assert progress(below) == 0.0  # 12 > 10


# --- sum of children ------------------------------------------------------------------------


def test_sum_of_children_adds_current_values():
    children = [metric(0, 10, 3), metric(0, 10, "4.5"), metric(0, 10, 0)]
    # 3 + 4.5 + 0 = 7.5
    assert sum_of_children(children) == Decimal("7.5")


def test_sum_of_children_counts_the_start_of_a_child_without_check_in():
    children = [metric(5, 10), metric(0, 10, 2)]
    # 5 (start, no check-in) + 2 = 7
    assert sum_of_children(children) == Decimal(7)


def test_sum_of_children_is_a_decimal():
    total = sum_of_children([metric(0, 1, "0.1"), metric(0, 1, "0.2")])
    # 0.1 + 0.2 = 0.3 exactly, as a Decimal (no float rounding)
    assert total == Decimal("0.3")
    assert isinstance(total, Decimal)


def test_sum_of_children_accepts_a_generator():
    assert sum_of_children(metric(0, 10, n) for n in (1, 2, 3)) == Decimal(6)


def test_sum_of_children_without_children_is_none():
    assert sum_of_children([]) is None


def test_sum_of_children_of_zero_values_is_zero_not_none():
    assert sum_of_children([metric(0, 10, 0)]) == Decimal(0)


# --- validation -----------------------------------------------------------------------------


D0, D1 = Decimal(0), Decimal(1)


@pytest.mark.parametrize("kind", [Kind.METRIC, Kind.SUM, "metric", "sum"])
def test_metric_and_sum_need_target_different_from_start(kind):
    errors = validation_errors(kind, Decimal(10), Decimal(10), None)
    assert set(errors) == {"target"}
    assert "differ" in errors["target"].message
    assert errors["target"].code == "target_equals_start"


@pytest.mark.parametrize("kind", [Kind.METRIC, Kind.SUM])
def test_valid_metric_and_sum_have_no_errors(kind):
    assert validation_errors(kind, Decimal(50), Decimal(10), None) == {}
    assert validation_errors(kind, Decimal(0), Decimal("0.01"), None) == {}


def test_valid_milestone_has_no_errors():
    assert validation_errors(Kind.MILESTONE, D0, D1, None) == {}
    assert validation_errors("milestone", Decimal("0.00"), Decimal("1.00"), None) == {}


@pytest.mark.parametrize(("start", "target"), [(0, 2), (1, 0), (0, 0), (5, 10)])
def test_milestone_must_go_from_0_to_1(start, target):
    errors = validation_errors(Kind.MILESTONE, Decimal(start), Decimal(target), None)
    assert set(errors) == {"target"}
    assert "0" in errors["target"].message
    assert "1" in errors["target"].message
    assert errors["target"].code == "milestone_value"


@pytest.mark.parametrize("direction", [Direction.ABOVE, Direction.BELOW, "above", "below"])
def test_valid_threshold_has_no_errors(direction):
    # a threshold's start may equal its line: only metrics need them to differ
    assert validation_errors(Kind.THRESHOLD, Decimal(10), Decimal(10), direction) == {}


@pytest.mark.parametrize("direction", [None, "", "sideways"])
def test_threshold_needs_a_direction(direction):
    errors = validation_errors(Kind.THRESHOLD, D0, Decimal(10), direction)
    assert set(errors) == {"direction"}
    assert "above or below" in errors["direction"].message
    assert errors["direction"].code == "direction_required"


@pytest.mark.parametrize("kind", [Kind.METRIC, Kind.SUM, Kind.MILESTONE])
@pytest.mark.parametrize("direction", [Direction.ABOVE, "below"])
def test_only_thresholds_have_a_direction(kind, direction):
    errors = validation_errors(kind, D0, D1, direction)
    assert set(errors) == {"direction"}
    assert "Only a threshold" in errors["direction"].message
    assert errors["direction"].code == "direction_not_allowed"


def test_metric_errors_add_up():
    errors = validation_errors(Kind.METRIC, D1, D1, Direction.ABOVE)
    assert set(errors) == {"target", "direction"}


def test_milestone_errors_add_up():
    errors = validation_errors(Kind.MILESTONE, D1, D1, "above")
    assert set(errors) == {"target", "direction"}


@pytest.mark.parametrize("kind", ["ratio", "", "METRIC"])
def test_unknown_kind(kind):
    errors = validation_errors(kind, D0, D1, None)
    assert set(errors) == {"kind"}
    for known in ("metric", "milestone", "threshold", "sum"):
        assert known in errors["kind"].message
    assert errors["kind"].code == "kind_unknown"


def test_every_kind_is_validated_and_valid_input_has_no_errors():
    valid = {
        Kind.METRIC: (D0, Decimal(100), None),
        Kind.MILESTONE: (D0, D1, None),
        Kind.THRESHOLD: (D0, Decimal(5), Direction.BELOW),
        Kind.SUM: (D0, Decimal(100), None),
    }
    assert set(valid) == set(Kind)  # a new kind must be added here
    for kind, (start, target, direction) in valid.items():
        assert validation_errors(kind, start, target, direction) == {}
