"""A goal's past through the API: its explanation (now and on a date), history and audit trail."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cascade.core import clock
from tests.api.conftest import api_for
from tests.builders import make_world, metric


def at(day: str):
    return clock.frozen_at(datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC))


@pytest.fixture
def story(db):
    """A company goal with one KR and a team goal under it (weight 3), checked in over October."""
    with at("2026-10-01"):
        world = make_world()
        vp = world.person("Vera VP", manager=world.ceo)
        company = world.goal("Grow", krs=[metric(0, 100)])
        team = world.goal("Sell", owner=vp, krs=[metric(0, 10)], under={company: 3})
    with at("2026-10-08"):
        world.check_in(team, 2)
    with at("2026-10-15"):
        world.check_in(company, 40)
    with at("2026-10-22"):
        world.check_in(team, 6)
    return world, company, team, vp


def test_explain_now_adds_up(story):
    world, company, team, _ = story
    answer = api_for(world.ceo).get(f"/goals/{company.pk}/explain")
    assert answer.status == 200
    why = answer.body
    assert why["goal"] == company.pk
    assert why["as_of"] is None
    # The KR at 40 % (weight 1) and Sell at 60 % (weight 3): (0.4 + 3 × 0.6) / 4 = 0.55.
    assert why["progress"] == pytest.approx(0.55)
    rows = {(row["kind"], row["id"]): row for row in why["contributors"]}
    kr_row = rows[("key_result", world.kr(company).pk)]
    goal_row = rows[("goal", team.pk)]
    assert (kr_row["progress"], kr_row["weight"], kr_row["normalised_weight"]) == (0.4, 1, 0.25)
    assert kr_row["share"] == pytest.approx(0.1)
    assert goal_row["title"] == "Sell"
    assert goal_row["share"] == pytest.approx(0.45)
    assert sum(row["share"] for row in why["contributors"]) == pytest.approx(why["progress"])
    assert why["cause"] == "key_result.checked_in"


@pytest.mark.parametrize(
    ("day", "progress"),
    [
        ("2026-09-30", None),  # before anything was recorded
        ("2026-10-01", 0.0),
        ("2026-10-08", 3 * 0.2 / 4),
        ("2026-10-15", (0.4 + 3 * 0.2) / 4),
        ("2026-10-21", (0.4 + 3 * 0.2) / 4),
        ("2026-10-22", (0.4 + 3 * 0.6) / 4),
        ("2099-01-01", (0.4 + 3 * 0.6) / 4),  # a future day reads as today
    ],
)
def test_explain_as_of_a_day(story, day, progress):
    world, company, _, _ = story
    answer = api_for(world.ceo).get(f"/goals/{company.pk}/explain", as_of=day)
    assert answer.status == 200
    assert answer.body["as_of"] == day
    assert answer.body["progress"] == (None if progress is None else pytest.approx(progress))


def test_explain_hides_a_private_contributor_but_keeps_its_numbers(story):
    world, company, _team, vp = story
    with at("2026-10-23"):
        world.goal("Secret", owner=vp, krs=[metric(0, 2)], under={company: 1}, visibility="private")
    olga = world.person("Olga Other")
    why = api_for(olga).get(f"/goals/{company.pk}/explain").body
    hidden = [row for row in why["contributors"] if row["title"] == "A private goal"]
    assert len(hidden) == 1
    assert hidden[0]["id"] is None
    assert hidden[0]["weight"] == 1
    assert sum(row["share"] for row in why["contributors"]) == pytest.approx(why["progress"])


def test_history_is_every_change_oldest_first(story):
    world, company, _, _ = story
    answer = api_for(world.ceo).get(f"/goals/{company.pk}/history")
    assert answer.status == 200
    points = answer.body["items"]
    assert answer.body["count"] == len(points) >= 4
    assert [p["at"] for p in points] == sorted(p["at"] for p in points)
    assert points[-1]["progress"] == pytest.approx(0.55)
    assert {"at", "progress", "cause"} == set(points[0])
    assert "forecast" in answer.body
    page = api_for(world.ceo).get(f"/goals/{company.pk}/history", limit=2, offset=1)
    assert [p["at"] for p in page.body["items"]] == [p["at"] for p in points[1:3]]


def test_the_forecast_needs_enough_history(story):
    world, _company, team, _ = story
    # Three days with a change, on an active goal: a trend to draw.
    forecast = api_for(world.ceo).get(f"/goals/{team.pk}/history").body["forecast"]
    assert forecast is not None
    assert 0 <= forecast <= 1
    assert api_for(world.ceo).get(f"/goals/{team.pk}").body["forecast"] == forecast


def test_audit_trail_newest_first_with_who(story):
    world, company, team, vp = story
    answer = api_for(world.ceo).get(f"/goals/{team.pk}/audit")
    assert answer.status == 200
    kinds = [event["kind"] for event in answer.body["items"]]
    assert kinds[0] == "key_result.checked_in"
    assert kinds[-1] == "goal.created"
    assert "contribution.added" not in kinds  # recorded on the senior goal's trail
    assert answer.body["items"][0]["actor"] == {"id": vp.pk, "name": "Vera VP"}
    assert answer.body["items"][0]["data"]["value"] == "6.000000"
    company_kinds = [
        e["kind"] for e in api_for(world.ceo).get(f"/goals/{company.pk}/audit").body["items"]
    ]
    assert "contribution.added" in company_kinds
