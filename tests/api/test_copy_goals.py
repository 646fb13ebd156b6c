"""Carrying goals into the next period through the API: the copies, what they keep, and no copy
twice. In the ``org`` fixture Vera's sales goal (a metric 0 → 10) contributes to the CEO's
company goal; both run in Q4 2026."""

from __future__ import annotations

from datetime import date

from cascade.goals import services as goals
from cascade.goals.models import Goal
from cascade.orgs import services as orgs
from tests.api.conftest import api_for


def test_a_copy_measures_what_is_left_and_keeps_its_senior_where_it_runs(org):
    year = orgs.create_period(
        actor=org.ceo, name="2027", start=date(2027, 1, 1), end=date(2027, 12, 31)
    )
    q1 = orgs.create_period(
        actor=org.ceo, name="Q1 2027", start=date(2027, 1, 1), end=date(2027, 3, 31)
    )
    yearly = org.world.goal("Yearly ambition", period=year, activate=False)
    goals.align_goal(actor=org.vera, junior=org.sales, senior=yearly, weight=3)
    org.world.check_in(org.sales, 4)

    answer = api_for(org.vera).post("/goals/copy", {"goals": [org.sales.pk], "period": q1.pk})
    assert answer.status == 201, answer.body
    [copy] = answer.body["copies"]
    assert (copy["title"], copy["owner"]["id"], copy["period"]["id"]) == (
        "Win deals",
        org.vera.pk,
        q1.pk,
    )
    assert copy["state"] == "active"
    [kr] = copy["key_results"]
    assert (kr["start"], kr["target"]) == (4, 10)  # what is left: from 4 to 10
    # the year's goal runs in Q1 too; the Q4 company goal does not
    assert [(p["id"], p["weight"]) for p in copy["parents"]] == [(yearly.pk, 3)]
    assert answer.body["already_copied"] == []
    assert Goal.objects.get(pk=copy["id"]).copied_from_id == org.sales.pk


def test_a_goal_is_not_carried_into_a_period_twice(org):
    q1 = orgs.create_period(
        actor=org.ceo, name="Q1 2027", start=date(2027, 1, 1), end=date(2027, 3, 31)
    )
    vera = api_for(org.vera)
    body = {"goals": [org.sales.pk], "period": q1.pk}
    assert vera.post("/goals/copy", body).status == 201
    again = vera.post("/goals/copy", body)
    assert again.status == 200  # nothing new
    assert again.body == {"copies": [], "already_copied": [org.sales.pk]}
    assert Goal.objects.filter(period=q1).count() == 1


def test_drafts_and_archived_goals_are_not_carried_over(org):
    q1 = orgs.create_period(
        actor=org.ceo, name="Q1 2027", start=date(2027, 1, 1), end=date(2027, 3, 31)
    )
    draft = org.world.goal("Someday", owner=org.vera)
    answer = api_for(org.vera).post("/goals/copy", {"goals": [draft.pk], "period": q1.pk})
    assert answer.status == 400
    assert "active or closed" in answer.error["fields"]["goals"]
    assert not Goal.objects.filter(period=q1).exists()


def test_a_private_goal_the_caller_may_not_see_is_not_found(org):
    q1 = orgs.create_period(
        actor=org.ceo, name="Q1 2027", start=date(2027, 1, 1), end=date(2027, 3, 31)
    )
    answer = api_for(org.olga).post("/goals/copy", {"goals": [org.private.pk], "period": q1.pk})
    assert answer.status == 404
    assert "goals" in answer.error["fields"]
