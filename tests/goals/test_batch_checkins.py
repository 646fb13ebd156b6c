"""The weekly batch check-in is one operation: one lock, one recompute, one history row per goal."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cascade.audit.models import AuditEvent
from cascade.goals import services
from cascade.goals.models import CheckIn, GoalProgress, KeyResult
from tests.builders import make_world, metric, milestone


def entries(world, goal, *values):
    return [
        {"key_result": world.kr(goal, index), "value": value, "confidence": 7, "note": "weekly"}
        for index, value in enumerate(values)
    ]


def history_rows(*goals) -> dict[int, int]:
    return {goal.pk: GoalProgress.objects.filter(goal=goal).count() for goal in goals}


def test_each_goal_gets_one_history_row_however_many_of_its_key_results_moved(db):
    world = make_world()
    top = world.goal("Grow revenue", krs=[metric(0, 100)])
    team = world.goal(
        "Sell more", krs=[metric(0, 10), metric(0, 10), metric(0, 10)], under={top: 1}
    )
    before = history_rows(top, team)

    services.check_in_many(actor=world.ceo, entries=entries(world, team, 5, 5, 10))

    after = history_rows(top, team)
    assert {pk: after[pk] - before[pk] for pk in after} == {top.pk: 1, team.pk: 1}
    assert GoalProgress.objects.filter(goal=team).latest("at").cause == "key_result.checked_in"
    assert CheckIn.objects.filter(key_result__goal=team).count() == 3
    assert AuditEvent.objects.filter(kind="key_result.checked_in", goal=team).count() == 3


def test_the_batch_returns_what_moved_before_and_after(db):
    world = make_world()
    top = world.goal("Grow revenue", krs=[metric(0, 100)])
    team = world.goal("Sell more", krs=[metric(0, 10), metric(0, 10)], under={top: 1})

    batch = services.check_in_many(actor=world.ceo, entries=entries(world, team, 5, 10))

    moved = {m.goal.title: (m.before, m.after, m.checked_in) for m in batch.moved}
    assert moved["Sell more"] == (0.0, pytest.approx(0.75), True)
    # The senior: its own KR at 0 and the team's goal at 75 %, weighted alike.
    assert moved["Grow revenue"] == (0.0, pytest.approx(0.375), False)
    assert [c.value for c in batch.check_ins] == [Decimal(5), Decimal(10)]
    assert KeyResult.objects.get(pk=world.kr(team, 1).pk).current == Decimal(10)


def test_the_batch_costs_the_same_queries_for_two_or_six_key_results(db):
    def queries(count: int) -> int:
        world = make_world()
        top = world.goal("Top", krs=[metric(0, 100)])
        goal = world.goal("Team", krs=[metric(0, 10)] * count, under={top: 1})
        batch = entries(world, goal, *range(1, count + 1))
        with CaptureQueriesContext(connection) as captured:
            services.check_in_many(actor=world.ceo, entries=batch)
        return len(captured.captured_queries)

    assert queries(2) == queries(6)


def test_a_refused_entry_saves_nothing_of_the_batch(db):
    world = make_world()
    goal = world.goal("Ship", krs=[metric(0, 10), milestone()])
    kr_metric, kr_milestone = world.kr(goal, 0), world.kr(goal, 1)

    with pytest.raises(ValidationError) as refused:
        services.check_in_many(actor=world.ceo, entries=entries(world, goal, 5, 3))

    assert refused.value.message_dict == {
        f"{kr_milestone.pk}.value": ["A milestone is either done (1) or not done (0)."]
    }
    assert not CheckIn.objects.filter(key_result__in=[kr_metric, kr_milestone]).exists()
    assert KeyResult.objects.get(pk=kr_metric.pk).current is None


def test_a_closed_goal_refuses_the_whole_batch_after_locking(db):
    world = make_world()
    open_goal = world.goal("Open", krs=[metric(0, 10)])
    closed = world.goal("Closed", krs=[metric(0, 10)])
    services.close_goal(actor=world.ceo, goal=closed, score=0, outcome="missed")
    batch = entries(world, open_goal, 5) + entries(world, closed, 5)

    with pytest.raises(ValidationError) as refused:
        services.check_in_many(actor=world.ceo, entries=batch)

    assert list(refused.value.message_dict) == [f"{world.kr(closed).pk}.value"]
    assert not CheckIn.objects.filter(key_result__goal__in=[open_goal, closed]).exists()


def test_the_same_key_result_twice_is_refused(db):
    world = make_world()
    goal = world.goal("Ship", krs=[metric(0, 10)])
    twice = entries(world, goal, 5) + entries(world, goal, 6)

    with pytest.raises(ValidationError) as refused:
        services.check_in_many(actor=world.ceo, entries=twice)

    assert refused.value.message_dict == {
        f"{world.kr(goal).pk}.value": ["This key result is in the batch twice."]
    }
    assert not CheckIn.objects.filter(key_result__goal=goal).exists()
