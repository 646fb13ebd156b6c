"""Bad input to the goal services is refused with a clear message and changes nothing.

Every refusal is checked the same way (``refused``): the service raises, the error names the
field where there is one, and afterwards every row of every Cascade table is as it was — the
row counts, each key result's current value, each goal's progress and the audit trail.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from cascade.accounts.models import User
from cascade.audit.models import AuditEvent
from cascade.core.errors import Conflict, NotFound
from cascade.core.text import NOTE
from cascade.goals import services as goals
from cascade.goals.models import (
    CheckIn,
    Contribution,
    Goal,
    GoalProgress,
    KeyResult,
    Outcome,
)
from cascade.orgs.models import Member, Organisation, Period, Team, TeamMembership
from tests.builders import make_world, metric, milestone, progress, threshold, total

MODELS = (
    User,
    Organisation,
    Member,
    Team,
    TeamMembership,
    Period,
    Goal,
    KeyResult,
    Contribution,
    CheckIn,
    GoalProgress,
    AuditEvent,
)


def snapshot() -> dict[str, object]:
    """Everything a refused call must leave alone, the most telling parts first."""
    return {
        "row counts": {model.__name__: model.objects.count() for model in MODELS},
        "audit events": AuditEvent.objects.count(),
        "key results' current values": dict(KeyResult.objects.values_list("pk", "current")),
        "goals' progress": dict(Goal.objects.values_list("pk", "progress")),
        "goals' states": dict(Goal.objects.values_list("pk", "state")),
        "every row": {
            model.__name__: list(model.objects.order_by("pk").values()) for model in MODELS
        },
    }


def refused(call, error: type[Exception] = ValidationError, *, field: str | None = None):
    """Run ``call``, expect ``error``, and prove that nothing at all changed."""
    before = snapshot()
    with pytest.raises(error) as caught:
        call()
    after = snapshot()
    for part in before:
        assert after[part] == before[part], f"a refused call changed the {part}"
    if isinstance(caught.value, ValidationError):
        messages = caught.value.messages
        assert messages, "a refusal needs a message"
        assert all(len(message.strip()) > 10 for message in messages), messages
        if field is not None:
            assert field in caught.value.message_dict, caught.value
    return caught.value


def current(kr: KeyResult) -> Decimal | None:
    return KeyResult.objects.values_list("current", flat=True).get(pk=kr.pk)


def fresh(goal: Goal) -> Goal:
    return Goal.objects.get(pk=goal.pk)


@pytest.fixture
def okr(world):
    """An active goal with a metric KR at 40 of 0→100, a milestone, a threshold and a sum."""
    owner = world.person("Olive Owner", manager=world.ceo)
    goal = world.goal(
        "Grow revenue",
        owner=owner,
        krs=[
            metric(0, 100, title="Revenue"),
            milestone(title="Launch"),
            threshold(90, "above", start=0),
            {**total(0, 50, unit="deals"), "title": "Deals"},
        ],
    )
    world.check_in(goal, 40)
    child_goal = world.goal("Win deals in the north", owner=owner)
    sum_kr = world.kr(goal, 3)
    child = goals.add_key_result(
        actor=owner,
        goal=child_goal,
        title="North deals",
        target=20,
        unit="deals",
        rollup_into=sum_kr,
    )
    child_goal = goals.activate_goal(actor=owner, goal=child_goal)
    goals.check_in(actor=owner, key_result=child, value=5)
    kr = world.kr(goal, 0)
    assert current(kr) == Decimal(40)
    assert progress(goal) is not None
    return SimpleNamespace(
        owner=owner,
        goal=fresh(goal),
        kr=kr,
        milestone=world.kr(goal, 1),
        threshold=world.kr(goal, 2),
        sum=KeyResult.objects.get(pk=sum_kr.pk),
        child=KeyResult.objects.get(pk=child.pk),
        child_goal=fresh(child_goal),
    )


NOT_NUMBERS = [
    "abc",
    "NaN",
    "nan",
    "sNaN",
    "Infinity",
    "-Infinity",
    "inf",
    None,
    True,
    False,
    "",
    "   ",
    "1,5",
    "12 apples",
    [1],
    float("nan"),
    float("inf"),
    Decimal("NaN"),
    Decimal("-Infinity"),
]
TOO_LARGE = ["1e14", "-1e14", "100000000000000", 10**20, "1e999"]


# --------------------------------------------------------------------------- check-ins


@pytest.mark.parametrize("value", NOT_NUMBERS + TOO_LARGE, ids=repr)
def test_check_in_value_must_be_a_finite_number(okr, value):
    refused(lambda: goals.check_in(actor=okr.owner, key_result=okr.kr, value=value), field="value")
    assert current(okr.kr) == Decimal(40)


def test_check_in_value_that_rounds_beyond_the_column_is_refused(okr):
    # Regression, fixed: parse_number checks the size before rounding to 6 decimals: "99999999999999.9999999"
    # passes the < 1e14 check, then rounds to 100000000000000.000000, which does not fit
    # DecimalField(max_digits=20, decimal_places=6). The service then crashes with
    # decimal.InvalidOperation (SQLite) or django.db.DataError "numeric field overflow"
    # (PostgreSQL) instead of a ValidationError on "value". The same applies to a KR's
    # start and target.
    refused(
        lambda: goals.check_in(actor=okr.owner, key_result=okr.kr, value="99999999999999.9999999"),
        field="value",
    )


@pytest.mark.parametrize(
    "confidence", [-1, 11, 100, "5.5", 5.5, "abc", "NaN", "Infinity", True], ids=repr
)
def test_confidence_must_be_a_whole_number_from_0_to_10(okr, confidence):
    refused(
        lambda: goals.check_in(actor=okr.owner, key_result=okr.kr, value=50, confidence=confidence),
        field="confidence",
    )
    assert current(okr.kr) == Decimal(40)


@pytest.mark.parametrize("confidence", [0, 10, "7", "3.0"])
def test_confidence_from_0_to_10_is_accepted(okr, confidence):
    goals.check_in(actor=okr.owner, key_result=okr.kr, value=50, confidence=confidence)
    kr = KeyResult.objects.get(pk=okr.kr.pk)
    assert kr.confidence == int(Decimal(str(confidence)))
    assert fresh(okr.goal).confidence == kr.confidence


@pytest.mark.parametrize("value", [0.5, "0.5", 2, -1, "0.000001"], ids=repr)
def test_milestone_check_in_must_be_0_or_1(okr, value):
    refused(
        lambda: goals.check_in(actor=okr.owner, key_result=okr.milestone, value=value),
        field="value",
    )
    assert current(okr.milestone) is None


@pytest.mark.parametrize("value", [0, 1, "1.0", "0"])
def test_milestone_check_in_of_0_or_1_is_accepted(okr, value):
    goals.check_in(actor=okr.owner, key_result=okr.milestone, value=value)
    assert current(okr.milestone) == Decimal(str(value))


def test_check_in_on_a_sum_of_children_key_result_is_refused(okr):
    before = current(okr.sum)
    refused(lambda: goals.check_in(actor=okr.owner, key_result=okr.sum, value=30), field="value")
    assert current(okr.sum) == before == Decimal(5)


@pytest.mark.parametrize("close", ["close", "archive"])
def test_check_in_on_a_closed_or_archived_goal_is_refused(okr, close):
    if close == "close":
        goals.close_goal(actor=okr.owner, goal=okr.goal, score="0.4", outcome=Outcome.MISSED)
    else:
        goals.archive_goal(actor=okr.owner, goal=okr.goal)
    error = refused(lambda: goals.check_in(actor=okr.owner, key_result=okr.kr, value=90))
    assert "reopen" in " ".join(error.messages)
    assert current(okr.kr) == Decimal(40)


def test_check_in_note_has_a_length_limit(okr):
    refused(
        lambda: goals.check_in(actor=okr.owner, key_result=okr.kr, value=50, note="x" * (NOTE + 1)),
        field="note",
    )


def test_check_in_source_must_be_known(okr):
    refused(
        lambda: goals.check_in(
            actor=okr.owner, key_result=okr.kr, value=50, source="carrier pigeon"
        ),
        field="source",
    )


# --------------------------------------------------------------------------- key results


@pytest.mark.parametrize(
    ("start", "target"), [(0, 0), (10, "10"), ("5.5", Decimal("5.500")), (-3, -3)], ids=repr
)
def test_metric_target_equal_to_start_is_refused(okr, start, target):
    refused(
        lambda: goals.add_key_result(
            actor=okr.owner, goal=okr.goal, title="Flat", start=start, target=target
        ),
        field="target",
    )


def test_sum_target_equal_to_start_is_refused(okr):
    refused(
        lambda: goals.add_key_result(
            actor=okr.owner, goal=okr.goal, title="Flat sum", kind="sum", start=7, target=7
        ),
        field="target",
    )


def test_metric_without_a_target_is_refused(okr):
    refused(
        lambda: goals.add_key_result(actor=okr.owner, goal=okr.goal, title="No target"),
        field="target",
    )


@pytest.mark.parametrize("field", ["start", "target"])
@pytest.mark.parametrize("bad", ["abc", "NaN", "Infinity", None, True, "1e14"], ids=repr)
def test_key_result_start_and_target_must_be_finite_numbers(okr, field, bad):
    values = {"start": 0, "target": 100, field: bad}
    refused(
        lambda: goals.add_key_result(actor=okr.owner, goal=okr.goal, title="Bad", **values),
        field=field,
    )


def test_every_problem_of_a_key_result_definition_is_named_at_once(okr):
    error = refused(
        lambda: goals.add_key_result(
            actor=okr.owner, goal=okr.goal, title="Bad", start="abc", target="NaN"
        )
    )
    assert {"start", "target"} <= set(error.message_dict)


@pytest.mark.parametrize("weight", [-1, "-0.001", "abc", "NaN", "Infinity", None, True, 1001])
def test_key_result_weight_must_be_a_number_from_0_to_1000(okr, weight):
    refused(
        lambda: goals.add_key_result(
            actor=okr.owner, goal=okr.goal, title="Weighted", target=10, weight=weight
        ),
        field="weight",
    )


@pytest.mark.parametrize("title", ["", "   ", None, "x" * 201])
def test_key_result_needs_a_title_of_reasonable_length(okr, title):
    refused(
        lambda: goals.add_key_result(actor=okr.owner, goal=okr.goal, title=title, target=10),
        field="title",
    )


def test_key_result_unit_has_a_length_limit(okr):
    refused(
        lambda: goals.add_key_result(
            actor=okr.owner, goal=okr.goal, title="Long unit", target=10, unit="u" * 21
        ),
        field="unit",
    )


def test_key_result_kind_must_be_known(okr):
    refused(
        lambda: goals.add_key_result(
            actor=okr.owner, goal=okr.goal, title="Odd", target=10, kind="vibes"
        ),
        field="kind",
    )


def test_threshold_needs_a_direction(okr):
    refused(
        lambda: goals.add_key_result(
            actor=okr.owner, goal=okr.goal, title="Uptime", kind="threshold", target=99
        ),
        field="direction",
    )


def test_only_a_threshold_has_a_direction(okr):
    refused(
        lambda: goals.add_key_result(
            actor=okr.owner, goal=okr.goal, title="Sales", target=10, direction="above"
        ),
        field="direction",
    )


def test_milestone_runs_from_0_to_1(okr):
    refused(
        lambda: goals.add_key_result(
            actor=okr.owner, goal=okr.goal, title="Launch", kind="milestone", target=5
        ),
        field="target",
    )


def test_key_result_adds_only_into_a_sum_of_children(okr):
    refused(
        lambda: goals.add_key_result(
            actor=okr.owner, goal=okr.child_goal, title="Sub", target=10, rollup_into=okr.kr
        ),
        field="rollup_into",
    )


def test_key_result_adds_only_into_a_sum_of_the_same_unit(okr):
    refused(
        lambda: goals.add_key_result(
            actor=okr.owner,
            goal=okr.child_goal,
            title="Sub",
            target=10,
            unit="EUR",
            rollup_into=okr.sum,
        ),
        field="rollup_into",
    )


def test_key_result_on_another_organisations_goal_is_refused(world, okr):
    elsewhere = make_world()
    foreign = elsewhere.goal("Their goal", krs=[metric(0, 10)])
    refused(
        lambda: goals.add_key_result(actor=world.ceo, goal=foreign, title="Sneaky", target=10),
        NotFound,
    )
    refused(
        lambda: goals.add_key_result(
            actor=elsewhere.ceo,
            goal=foreign,
            title="Cross",
            target=10,
            unit="deals",
            rollup_into=okr.sum,
        ),
        NotFound,
    )


def test_key_result_edit_to_target_equal_to_start_is_refused(okr):
    refused(
        lambda: goals.update_key_result(actor=okr.owner, key_result=okr.kr, target=0),
        field="target",
    )
    refused(
        lambda: goals.update_key_result(actor=okr.owner, key_result=okr.kr, start=100),
        field="target",
    )


@pytest.mark.parametrize("bad", ["abc", "NaN", "-Infinity", None, True], ids=repr)
def test_key_result_edit_needs_numbers(okr, bad):
    refused(
        lambda: goals.update_key_result(actor=okr.owner, key_result=okr.kr, target=bad),
        field="target",
    )
    refused(
        lambda: goals.update_key_result(actor=okr.owner, key_result=okr.kr, weight=bad),
        field="weight",
    )


def test_key_result_edit_of_unknown_fields_is_refused(okr):
    refused(
        lambda: goals.update_key_result(actor=okr.owner, key_result=okr.kr, current=99),
        field="current",
    )
    refused(
        lambda: goals.update_key_result(actor=okr.owner, key_result=okr.kr, goal=okr.child_goal),
        field="goal",
    )


def test_key_result_with_check_ins_cannot_change_its_kind(okr):
    refused(
        lambda: goals.update_key_result(
            actor=okr.owner, key_result=okr.kr, kind="threshold", direction="above"
        ),
        field="kind",
    )


def test_key_result_cannot_add_into_itself(okr):
    refused(
        lambda: goals.update_key_result(actor=okr.owner, key_result=okr.sum, rollup_into=okr.sum),
        field="rollup_into",
    )


def test_key_result_cannot_add_into_a_sum_below_it(okr):
    lower_sum = goals.add_key_result(
        actor=okr.owner,
        goal=okr.child_goal,
        title="North sum",
        kind="sum",
        target=10,
        unit="deals",
        rollup_into=okr.sum,
    )
    refused(
        lambda: goals.update_key_result(actor=okr.owner, key_result=okr.sum, rollup_into=lower_sum),
        field="rollup_into",
    )


def test_sum_with_children_cannot_stop_being_a_sum(okr):
    # Regression, fixed: a KR may only add into a sum-of-children KR ("rollup_into" is checked on the child
    # side only). Changing the parent's kind from "sum" to "metric" while KRs still add into
    # it is accepted: the child keeps rollup_into pointing at a metric, and the parent, no
    # longer a sum, now takes check-ins of its own. The edit should be refused on "kind".
    refused(
        lambda: goals.update_key_result(actor=okr.owner, key_result=okr.sum, kind="metric"),
        field="kind",
    )


def test_sum_with_children_cannot_change_to_a_different_unit(okr):
    # Regression, fixed: the "same unit" rule is checked only when a child is linked or edited. Changing
    # the sum's own unit ("deals" → "EUR") while a child in "deals" adds into it is accepted,
    # leaving a sum in EUR that adds up deals. The edit should be refused.
    refused(
        lambda: goals.update_key_result(actor=okr.owner, key_result=okr.sum, unit="EUR"),
    )


@pytest.mark.parametrize("how", ["close", "archive"])
def test_key_results_of_a_closed_or_archived_goal_cannot_change(okr, how):
    if how == "close":
        goals.close_goal(actor=okr.owner, goal=okr.goal, score=1, outcome=Outcome.ACHIEVED)
    else:
        goals.archive_goal(actor=okr.owner, goal=okr.goal)
    goal = fresh(okr.goal)
    refused(lambda: goals.add_key_result(actor=okr.owner, goal=goal, title="More", target=5))
    refused(lambda: goals.update_key_result(actor=okr.owner, key_result=okr.kr, target=200))
    refused(lambda: goals.remove_key_result(actor=okr.owner, key_result=okr.kr))


def test_removing_the_last_key_result_of_an_active_goal_is_refused(world):
    goal = world.goal("One KR", krs=[metric(0, 10)])
    world.check_in(goal, 5)
    assert fresh(goal).state == "active"
    kr = world.kr(goal)
    refused(lambda: goals.remove_key_result(actor=world.ceo, key_result=kr))
    assert current(kr) == Decimal(5)
    assert progress(goal) == pytest.approx(0.5)


def test_removing_the_last_key_result_is_refused_when_the_only_link_is_archived(world):
    senior = world.goal("Senior", krs=[metric(0, 10)])
    junior = world.goal("Junior", krs=[metric(0, 10)], under={senior: 1})
    goals.archive_goal(actor=world.ceo, goal=junior)
    refused(lambda: goals.remove_key_result(actor=world.ceo, key_result=world.kr(senior)))


def test_removing_the_only_contribution_of_an_active_senior_goal_is_refused(world):
    senior = world.goal("Senior", activate=False)
    junior = world.goal("Junior", krs=[metric(0, 10)], under={senior: 1})
    senior = goals.activate_goal(actor=world.ceo, goal=senior)
    world.check_in(junior, 3)
    assert progress(senior) == pytest.approx(0.3)
    link = Contribution.objects.get(junior=junior, senior=senior)
    refused(lambda: goals.remove_contribution(actor=world.ceo, contribution=link))
    assert progress(senior) == pytest.approx(0.3)


# --------------------------------------------------------------------------- contributions


@pytest.fixture
def pair(world):
    senior = world.goal("Senior", krs=[metric(0, 10)])
    junior = world.goal("Junior", krs=[metric(0, 10)])
    world.check_in(senior, 2)
    world.check_in(junior, 8)
    return SimpleNamespace(senior=fresh(senior), junior=fresh(junior))


@pytest.mark.parametrize(
    "weight", [-1, "-0.5", "abc", "NaN", "Infinity", None, True, 1001, "1e14"], ids=repr
)
def test_alignment_weight_must_be_a_number_from_0_to_1000(world, pair, weight):
    refused(
        lambda: goals.align_goal(
            actor=world.ceo, junior=pair.junior, senior=pair.senior, weight=weight
        ),
        field="weight",
    )


@pytest.mark.parametrize(
    "weight", [-1, "-0.5", "abc", "NaN", "Infinity", None, True, 1001], ids=repr
)
def test_contribution_weight_change_must_be_a_number_from_0_to_1000(world, pair, weight):
    link = goals.align_goal(actor=world.ceo, junior=pair.junior, senior=pair.senior, weight=2)
    refused(
        lambda: goals.change_contribution_weight(actor=world.ceo, contribution=link, weight=weight),
        field="weight",
    )
    assert Contribution.objects.get(pk=link.pk).weight == Decimal(2)


def test_goal_cannot_contribute_to_itself(world, pair):
    refused(
        lambda: goals.align_goal(actor=world.ceo, junior=pair.senior, senior=pair.senior),
        field="senior_goal",
    )


def test_link_that_closes_a_cycle_is_refused_as_a_conflict(world, pair):
    goals.align_goal(actor=world.ceo, junior=pair.junior, senior=pair.senior)
    error = refused(
        lambda: goals.align_goal(actor=world.ceo, junior=pair.senior, senior=pair.junior),
        Conflict,
        field="senior_goal",
    )
    assert "cycle" in error.message_dict["senior_goal"][0]


def test_longer_cycle_is_refused_as_a_conflict(world):
    top = world.goal("Top", krs=[metric(0, 10)])
    middle = world.goal("Middle", krs=[metric(0, 10)], under={top: 1})
    bottom = world.goal("Bottom", krs=[metric(0, 10)], under={middle: 1})
    world.check_in(bottom, 5)
    refused(
        lambda: goals.align_goal(actor=world.ceo, junior=top, senior=bottom),
        Conflict,
        field="senior_goal",
    )


def test_aligning_the_same_pair_twice_is_a_conflict(world, pair):
    goals.align_goal(actor=world.ceo, junior=pair.junior, senior=pair.senior)
    refused(
        lambda: goals.align_goal(actor=world.ceo, junior=pair.junior, senior=pair.senior, weight=3),
        Conflict,
        field="senior_goal",
    )


def test_archived_goals_cannot_be_aligned(world, pair):
    goals.archive_goal(actor=world.ceo, goal=pair.junior)
    refused(
        lambda: goals.align_goal(actor=world.ceo, junior=pair.junior, senior=pair.senior),
        field="senior_goal",
    )
    refused(
        lambda: goals.align_goal(actor=world.ceo, junior=pair.senior, senior=pair.junior),
        field="senior_goal",
    )


# --------------------------------------------------------------------------- goals


@pytest.mark.parametrize("title", ["", "  ", None, "t" * 201])
def test_goal_needs_a_title_of_reasonable_length(world, title):
    refused(
        lambda: goals.create_goal(actor=world.ceo, title=title, period=world.period),
        field="title",
    )


def test_goal_visibility_must_be_public_or_private(world):
    refused(
        lambda: goals.create_goal(
            actor=world.ceo, title="Secret", period=world.period, visibility="hidden"
        ),
        field="visibility",
    )


def test_goal_cannot_end_before_it_starts(world):
    refused(
        lambda: goals.create_goal(
            actor=world.ceo,
            title="Backwards",
            period=world.period,
            start_date=date(2026, 11, 30),
            end_date=date(2026, 11, 1),
        ),
        field="end_date",
    )
    # An own end date before the period's start is as wrong.
    refused(
        lambda: goals.create_goal(
            actor=world.ceo, title="Early", period=world.period, end_date=date(2026, 9, 1)
        ),
        field="end_date",
    )


def test_goal_edit_is_validated_like_a_new_goal(world, pair):
    goal = pair.senior
    refused(lambda: goals.update_goal(actor=world.ceo, goal=goal, title=" "), field="title")
    refused(
        lambda: goals.update_goal(actor=world.ceo, goal=goal, visibility="everyone"),
        field="visibility",
    )
    refused(
        lambda: goals.update_goal(actor=world.ceo, goal=goal, end_date=date(2026, 1, 1)),
        field="end_date",
    )
    refused(lambda: goals.update_goal(actor=world.ceo, goal=goal, owner=None), field="owner")
    refused(lambda: goals.update_goal(actor=world.ceo, goal=goal, period=None), field="period")
    refused(lambda: goals.update_goal(actor=world.ceo, goal=goal, state="closed"), field="state")
    refused(lambda: goals.update_goal(actor=world.ceo, goal=goal, progress=1.0), field="progress")


def test_goal_cannot_be_handed_to_someone_no_longer_active(world, pair):
    leaver = world.person("Lee Leaver", manager=world.ceo)
    Member.objects.filter(pk=leaver.pk).update(is_active=False)
    leaver.refresh_from_db()
    refused(
        lambda: goals.update_goal(actor=world.ceo, goal=pair.senior, owner=leaver), field="owner"
    )


def test_archived_goal_cannot_be_edited(world, pair):
    goals.archive_goal(actor=world.ceo, goal=pair.senior)
    refused(lambda: goals.update_goal(actor=world.ceo, goal=pair.senior, title="Renamed"))


@pytest.mark.parametrize("score", [-0.01, "1.01", 2, "abc", "NaN", "Infinity", None, True])
def test_closing_needs_a_score_from_0_to_1(world, pair, score):
    refused(
        lambda: goals.close_goal(
            actor=world.ceo, goal=pair.senior, score=score, outcome=Outcome.PARTIAL
        ),
        field="score",
    )


@pytest.mark.parametrize("outcome", ["", None, "won", "ACHIEVED"])
def test_closing_needs_an_outcome(world, pair, outcome):
    refused(
        lambda: goals.close_goal(actor=world.ceo, goal=pair.senior, score="0.5", outcome=outcome),
        field="outcome",
    )


def test_closing_reports_score_and_outcome_problems_together(world, pair):
    error = refused(
        lambda: goals.close_goal(actor=world.ceo, goal=pair.senior, score=5, outcome="won")
    )
    assert {"score", "outcome"} <= set(error.message_dict)


def test_activating_without_key_result_or_contributing_goal_is_refused(world):
    goal = world.goal("Empty")
    error = refused(lambda: goals.activate_goal(actor=world.ceo, goal=goal))
    assert "key result" in " ".join(error.messages)
    assert fresh(goal).state == "draft"
