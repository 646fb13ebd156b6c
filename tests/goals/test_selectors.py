"""Reads: the goal page's data, explanations now and in the past, lists with filters."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cascade.core import clock
from cascade.core.errors import NotFound
from cascade.goals import selectors
from cascade.goals.explanations import explain_goal
from cascade.goals.models import Goal
from cascade.goals.timeline import forecast_for, progress_history
from cascade.progress import Status
from tests.builders import approx, make_world, metric

TODAY = date(2026, 11, 15)  # day 46 of the 92-day quarter: 0.5 expected


def moment(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo("UTC"))


def test_get_goal_hides_other_organisations_and_private_goals(world, db):
    other = make_world()
    foreign = other.goal("Foreign", krs=[metric()])
    secret = world.goal("Secret", krs=[metric()], visibility="private")
    outsider = world.person("Outsider", manager=world.ceo)
    with pytest.raises(NotFound):
        selectors.get_goal(world.ceo, foreign.pk)
    with pytest.raises(NotFound):
        selectors.get_goal(outsider, secret.pk)
    with pytest.raises(NotFound):
        selectors.get_goal(world.ceo, "not-a-number")
    assert selectors.get_goal(world.ceo, secret.pk) == secret


def test_goal_detail_shows_contributors_and_parents_with_weights(world):
    owner = world.person("Owner", manager=world.ceo)
    stranger = world.person("Stranger", manager=world.ceo)
    senior = world.goal("Senior", krs=[metric(0, 10)])
    middle = world.goal("Middle", owner=owner, krs=[metric(0, 200)], under={senior: 2})
    world.goal("Public junior", owner=owner, krs=[metric()], under={middle: 1})
    world.goal(
        "Private junior", owner=owner, krs=[metric()], under={middle: 3}, visibility="private"
    )
    world.check_in(middle, 300)  # 150 %: exceeded

    with CaptureQueriesContext(connection) as captured:
        detail = selectors.goal_detail(stranger, middle.pk, TODAY)
    assert len(captured.captured_queries) <= 5
    assert [(row.goal.title, row.weight) for row in detail.parents] == [("Senior", 2.0)]
    assert {(row.goal.title, row.weight, row.visible) for row in detail.contributors} == {
        ("Public junior", 1.0, True),
        ("Private junior", 3.0, False),
    }
    kr_row = detail.key_results[0]
    assert kr_row.attainment == approx(1.5)
    assert kr_row.progress == 1.0


def test_why_this_number_now_and_on_a_past_date(world):
    with clock.frozen_at(moment(date(2026, 10, 10))):
        senior = world.goal("Senior", krs=[metric(0, 10)])
        junior = world.goal("Junior", krs=[metric(0, 10)], under={senior: 3})
        world.check_in(junior, 2)
    with clock.frozen_at(moment(date(2026, 11, 1))):
        world.check_in(junior, 8)

    now = explain_goal(world.ceo, senior)
    assert now.progress == approx(0.6)  # (0·1 + 0.8·3) / 4
    rows = {row.title: row for row in now.rows}
    assert rows["Junior"].share == approx(0.6)
    assert rows["Junior"].normalised_weight == approx(0.75)
    assert rows["Senior KR 1"].share == 0.0

    past = explain_goal(world.ceo, senior, as_of=date(2026, 10, 20))
    assert past.progress == approx(0.15)  # (0·1 + 0.2·3) / 4
    assert {row.title: row.progress for row in past.rows}["Junior"] == approx(0.2)
    assert explain_goal(world.ceo, senior, as_of=date(2020, 1, 1)).rows == []


def test_private_contributors_are_explained_without_their_titles(world):
    outsider = world.person("Outsider", manager=world.ceo)
    senior = world.goal("Senior", krs=[metric(0, 10)])
    world.goal("Acquire a competitor", krs=[metric(0, 10)], under={senior: 1}, visibility="private")
    titles = [row.title for row in explain_goal(outsider, senior).rows]
    assert "Acquire a competitor" not in titles
    assert "A private goal" in titles


def test_the_status_filter_agrees_with_each_goals_standing(world):
    goals = []
    with clock.frozen_at(moment(world.period.start)):
        for value in (0, 10, 25, 30, 40, 45, 50, 60, 90):  # expected 0.5 on TODAY
            goal = world.goal(f"At {value}", krs=[metric(0, 100)])
            world.check_in(goal, value)
            goals.append(goal)
    # Goals of other dates: created in the middle of the quarter (little expected yet), with a
    # start date of their own before that, and created after TODAY (nothing expected).
    with clock.frozen_at(moment(date(2026, 11, 14))):
        for value in (0, 30):
            goal = world.goal(f"New at {value}", krs=[metric(0, 100)])
            world.check_in(goal, value)
            goals.append(goal)
            goal = world.goal(
                f"Own start at {value}", krs=[metric(0, 100)], start_date=date(2026, 10, 1)
            )
            world.check_in(goal, value)
            goals.append(goal)
    goals.append(world.goal("Created after today", krs=[metric(0, 100)]))
    fresh = list(Goal.objects.filter(pk__in=[g.pk for g in goals]).select_related("period"))
    for wanted in Status:
        listed = selectors.goal_list(world.ceo, selectors.GoalFilters(status=wanted), TODAY)
        expected = {
            g.title
            for g in fresh
            if selectors.standing(g, world.organisation, TODAY).status is wanted
        }
        assert {g.title for g in listed} == expected
        assert expected  # every status is represented
    on_track = selectors.GoalFilters(status=Status.ON_TRACK)
    assert {"New at 0", "Created after today"} <= {
        g.title for g in selectors.goal_list(world.ceo, on_track, TODAY)
    }
    off_track = selectors.GoalFilters(status=Status.OFF_TRACK)
    assert "Own start at 0" in {g.title for g in selectors.goal_list(world.ceo, off_track, TODAY)}


def test_goal_list_filters_by_owner_team_state_and_words(world):
    owner = world.person("Owner", manager=world.ceo)
    world.goal("Grow revenue in Spain", owner=owner, krs=[metric()])
    world.goal("Grow revenue in Italy", krs=[metric()])
    world.goal("Draft idea", activate=False)

    def titles(**filters):
        return {
            g.title for g in selectors.goal_list(world.ceo, selectors.GoalFilters(**filters), TODAY)
        }

    assert titles(owner=owner.pk) == {"Grow revenue in Spain"}
    assert titles(search="revenue italy") == {"Grow revenue in Italy"}
    assert titles(state="draft") == {"Draft idea"}
    assert len(titles()) == 3


def test_progress_history_and_forecast(world):
    start = date(2026, 10, 2)
    with clock.frozen_at(moment(start, hour=8)):
        goal = world.goal("Goal", krs=[metric(0, 100)])
    for week in range(4):
        with clock.frozen_at(moment(start + timedelta(weeks=week))):
            world.check_in(goal, 10 * (week + 1))  # +10 a week
    history = progress_history(goal)
    assert [p.progress for p in history if p.progress is not None][-4:] == [0.1, 0.2, 0.3, 0.4]
    goal.refresh_from_db()
    # 10 points a week: from 0.1 on Oct 2, Dec 31 is 90 days = 12.86 weeks later → 1.386, clamped.
    assert forecast_for(goal, history) == 1.0
    assert forecast_for(goal, history[:2]) is None  # too few points
