"""Goals through the API: what a goal carries, the list and its filters, the states."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cascade.audit.models import AuditEvent, EventKind
from cascade.core import clock
from cascade.goals.models import Goal, State
from cascade.orgs import services as orgs
from tests.api.conftest import api_for
from tests.builders import metric

GOAL_FIELDS = {
    "id", "title", "description", "owner", "team", "period", "state", "visibility", "progress",
    "status", "expected_progress", "forecast", "confidence", "last_checkin_at", "start_date",
    "end_date", "score", "outcome", "retrospective", "closed_at", "created_at", "updated_at",
    "parents", "key_results", "contributors",
}  # fmt: skip
KR_FIELDS = {
    "id", "goal", "title", "kind", "unit", "start", "target", "current", "direction", "weight",
    "progress", "attainment", "confidence", "last_checkin_at", "rollup_into",
}  # fmt: skip


def test_a_goal_carries_its_numbers_its_parents_and_its_contributors(org):
    org.world.check_in(org.sales, 5, confidence=7)
    answer = api_for(org.vera).get(f"/goals/{org.sales.pk}")

    assert answer.status == 200
    goal = answer.body
    assert set(goal) >= GOAL_FIELDS
    assert goal["owner"] == {"id": org.vera.pk, "name": "Vera VP"}
    assert goal["period"]["id"] == org.world.period.pk
    assert goal["state"] == "active"
    assert goal["progress"] == pytest.approx(
        (5 / 10 * 1 + 0 * 1) / 2
    )  # KR at 50 %, Rob's plan at 0
    assert goal["status"] in {"on_track", "at_risk", "off_track"}
    assert 0 <= goal["expected_progress"] <= 1
    assert goal["confidence"] == 7
    link = org.company.contributions.get(junior=org.sales)
    assert goal["parents"] == [
        {
            "id": org.company.pk,
            "title": "Grow revenue",
            "state": "active",
            "progress": Goal.objects.get(pk=org.company.pk).progress,
            "weight": 2.0,
            "contribution": link.pk,
        }
    ]
    [kr] = goal["key_results"]
    assert set(kr) >= KR_FIELDS
    assert kr["kind"] == "metric"
    assert (kr["start"], kr["target"], kr["current"]) == (0, 10, 5)
    assert (kr["progress"], kr["attainment"], kr["confidence"]) == (0.5, 0.5, 7)
    assert kr["last_checkin_at"] is not None
    # Vera manages Rob, so she sees his private plan.
    [plan] = goal["contributors"]
    assert plan["id"] == org.private.pk
    assert plan["title"] == "Private plan"


def test_a_private_contributor_shows_only_its_numbers_to_those_who_may_not_see_it(org):
    org.world.check_in(org.private, 2)
    goal = api_for(org.olga).get(f"/goals/{org.sales.pk}").body

    assert goal["contributors"] == [
        {
            "id": None,
            "title": "A private goal",
            "state": None,
            "progress": 0.5,
            "weight": 1.0,
            "contribution": None,
        }
    ]
    assert api_for(org.olga).get(f"/goals/{org.private.pk}").status == 404


def test_attainment_is_raw_and_may_exceed_one(org):
    org.world.check_in(org.sales, 15)
    [kr] = api_for(org.vera).get(f"/goals/{org.sales.pk}").body["key_results"]
    assert kr["attainment"] == pytest.approx(1.5)
    assert kr["progress"] == 1


def test_list_items_are_the_goals_as_get_shows_them(org):
    org.world.check_in(org.sales, 5, confidence=7)
    client = api_for(org.vera)
    listed = {g["id"]: g for g in client.get("/goals").body["items"]}
    for goal_id, item in listed.items():
        assert item == client.get(f"/goals/{goal_id}").body


def test_list_leaves_out_private_goals_the_caller_may_not_see(org):
    titles = lambda who: {g["title"] for g in api_for(who).get("/goals").body["items"]}  # noqa: E731
    assert "Private plan" not in titles(org.olga)
    assert "Private plan" in titles(org.rob)  # the owner
    assert "Private plan" in titles(org.vera)  # the owner's manager
    assert "Private plan" in titles(org.ceo)  # a super user


def test_list_is_paginated(org):
    for n in range(5):
        org.world.goal(f"Extra {n}", owner=org.olga)
    client = api_for(org.olga)

    first = client.get("/goals", limit=3)
    assert (first.body["count"], first.body["limit"], first.body["offset"]) == (7, 3, 0)
    assert len(first.body["items"]) == 3
    rest = client.get("/goals", limit=3, offset=3)
    assert len(rest.body["items"]) == 3
    last = client.get("/goals", limit=3, offset=6)
    assert len(last.body["items"]) == 1
    seen = [g["id"] for page in (first, rest, last) for g in page.body["items"]]
    assert len(set(seen)) == 7
    assert client.get("/goals", offset=100).body["items"] == []
    assert client.get("/goals", limit=201).status == 400


def test_list_filters_like_the_web_list(org):
    team = orgs.create_team(actor=org.ceo, name="Sales", members=[org.vera])
    org.world.goal("Team goal", owner=org.vera, team=team, krs=[metric()])
    archived = org.world.goal("Old goal", owner=org.vera, krs=[metric()])
    api_for(org.vera).delete(f"/goals/{archived.pk}")
    draft = org.world.goal("Idea", owner=org.vera)
    client = api_for(org.ceo)

    def titles(**params):
        answer = client.get("/goals", **params)
        assert answer.status == 200, answer.body
        return sorted(g["title"] for g in answer.body["items"])

    everything = ["Grow revenue", "Idea", "Private plan", "Team goal", "Win deals"]
    assert titles() == everything
    assert titles(period=org.world.period.pk) == everything
    assert titles(period=org.other.period.pk) == []
    assert titles(team=team.pk) == ["Team goal"]
    assert titles(owner=org.vera.pk) == ["Idea", "Team goal", "Win deals"]
    assert titles(state="archived") == ["Old goal"]
    assert titles(state="draft") == [draft.title]
    assert titles(q="revenue") == ["Grow revenue"]
    assert titles(q="WIN deals") == ["Win deals"]
    # After the quarter every active goal is due in full, whenever it was made: all at 0 % are
    # off track.
    with clock.frozen_at(datetime(2027, 1, 2, 12, tzinfo=UTC)):
        off_track = titles(status="off_track")
        on_track = titles(status="on_track")
    assert off_track == ["Grow revenue", "Private plan", "Team goal", "Win deals"]
    assert on_track == []


def test_a_goal_made_mid_quarter_expects_only_the_days_since(org):
    made = datetime(2026, 11, 15, 9, tzinfo=UTC)  # half way through Q4 2026
    with clock.frozen_at(made):
        goal = org.world.goal("Brand new", krs=[metric()])
        org.world.check_in(goal, 0)
    with clock.frozen_at(made + timedelta(hours=1)):
        answer = api_for(org.ceo).get(f"/goals/{goal.pk}")
        listed = api_for(org.ceo).get("/goals", status="on_track")
    assert answer.body["expected_progress"] == pytest.approx(1 / 47)  # day 1 of Nov 15 – Dec 31
    assert answer.body["status"] == "on_track"
    assert "Brand new" in {g["title"] for g in listed.body["items"]}


def test_create_goal_as_a_draft_for_yourself_or_your_people(org):
    mine = api_for(org.vera).post(
        "/goals",
        {
            "title": "  Hire two reps ",
            "period": org.world.period.pk,
            "description": "Before Q1.",
            "visibility": "private",
            "end_date": "2026-11-30",
        },
    )
    assert mine.status == 201
    assert mine.body["title"] == "Hire two reps"
    assert (mine.body["state"], mine.body["progress"], mine.body["status"]) == ("draft", None, None)
    assert mine.body["end_date"] == "2026-11-30"
    assert mine.body["owner"]["id"] == org.vera.pk

    for_rob = api_for(org.vera).post(
        "/goals", {"title": "Call 50 leads", "period": org.world.period.pk, "owner": org.rob.pk}
    )
    assert for_rob.status == 201
    assert for_rob.body["owner"]["id"] == org.rob.pk
    event = AuditEvent.objects.get(kind=EventKind.GOAL_CREATED, object_id=for_rob.body["id"])
    assert event.actor_id == org.vera.pk


def test_a_goal_cannot_end_before_it_starts(org):
    answer = api_for(org.vera).post(
        "/goals",
        {
            "title": "Backwards",
            "period": org.world.period.pk,
            "start_date": "2026-12-01",
            "end_date": "2026-11-01",
        },
    )
    assert answer.status == 400
    assert "end_date" in answer.error["fields"]


def test_patch_changes_only_what_is_sent(org):
    client = api_for(org.vera)
    answer = client.patch(f"/goals/{org.sales.pk}", {"description": "Enterprise first."})
    assert answer.status == 200
    assert answer.body["description"] == "Enterprise first."
    assert answer.body["title"] == "Win deals"

    team = orgs.create_team(actor=org.ceo, name="Sales")
    assert client.patch(f"/goals/{org.sales.pk}", {"team": team.pk}).body["team"]["id"] == team.pk
    assert client.patch(f"/goals/{org.sales.pk}", {"team": None}).body["team"] is None
    assert client.patch(f"/goals/{org.sales.pk}", {"owner": None}).status == 400
    assert client.patch(f"/goals/{org.sales.pk}", {}).status == 200


def test_delete_archives_and_restore_brings_back(org):
    client = api_for(org.vera)
    archived = client.delete(f"/goals/{org.sales.pk}")
    assert archived.status == 200
    assert archived.body["state"] == "archived"
    assert Goal.objects.filter(pk=org.sales.pk).exists()  # nothing deleted
    company = client.get(f"/goals/{org.company.pk}").body
    assert company["contributors"][0]["state"] == "archived"
    assert client.patch(f"/goals/{org.sales.pk}", {"title": "X"}).status == 400

    restored = client.post(f"/goals/{org.sales.pk}/restore")
    assert restored.status == 200
    assert restored.body["state"] == "active"


def test_the_life_of_a_goal(org):
    client = api_for(org.olga)
    goal = client.post("/goals", {"title": "Learn Rust", "period": org.world.period.pk}).body
    assert client.post(f"/goals/{goal['id']}/activate").status == 400  # nothing to measure yet
    client.post(f"/goals/{goal['id']}/key-results", {"title": "Chapters", "target": 20})
    assert client.post(f"/goals/{goal['id']}/activate").body["state"] == "active"

    closed = client.post(
        f"/goals/{goal['id']}/close",
        {"score": "0.75", "outcome": "partial", "retrospective": "Ownership is hard."},
    )
    assert closed.status == 200
    assert (closed.body["state"], closed.body["score"], closed.body["outcome"]) == (
        "closed",
        0.75,
        "partial",
    )
    assert closed.body["closed_at"] is not None
    assert (
        client.post(f"/goals/{goal['id']}/close", {"score": 1, "outcome": "achieved"}).status == 400
    )
    assert client.post(f"/goals/{goal['id']}/reopen").body["state"] == "active"
    assert Goal.objects.get(pk=goal["id"]).state == State.ACTIVE


@pytest.mark.parametrize(
    "body",
    [{"score": 1}, {"score": 1, "outcome": "won"}, {"score": -0.1, "outcome": "missed"}],
)
def test_close_needs_a_score_and_an_outcome(org, body):
    assert api_for(org.vera).post(f"/goals/{org.sales.pk}/close", body).status == 400


def test_a_write_that_hides_the_goal_from_its_writer_still_answers_with_it(org):
    """Vera hands her private goal to Sam, who reports to Rob, who reports to her: she may give
    him goals (she is above him), but sees the private goals of her direct reports only. The
    answer to her change is the goal as it now stands, not a 404."""
    sam = org.world.person("Sam Sales", manager=org.rob)
    goal = org.world.goal("Handover", owner=org.vera, visibility="private")
    client = api_for(org.vera)
    answer = client.patch(f"/goals/{goal.pk}", {"owner": sam.pk})
    assert answer.status == 200
    assert (answer.body["owner"]["id"], answer.body["visibility"]) == (sam.pk, "private")
    assert client.get(f"/goals/{goal.pk}").status == 404
