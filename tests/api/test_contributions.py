"""Aligning goals through the API: links, weights, cycles and what the owners may do."""

from __future__ import annotations

import pytest

from cascade.goals.models import Contribution, Goal
from tests.api.conftest import api_for
from tests.builders import metric


def test_link_a_goal_under_another_and_its_progress_flows_up(org):
    help_goal = org.world.goal("Help sales", owner=org.olga, krs=[metric(0, 10)])
    client = api_for(org.olga)
    answer = client.post(
        f"/goals/{help_goal.pk}/contributions", {"senior_goal": org.sales.pk, "weight": "0.5"}
    )
    assert answer.status == 201
    link = answer.body
    assert (link["junior_goal"], link["senior_goal"], link["weight"]) == (
        help_goal.pk,
        org.sales.pk,
        0.5,
    )
    client.post(f"/key-results/{org.kr(help_goal).pk}/check-ins", {"value": 10})
    sales = client.get(f"/goals/{org.sales.pk}").body
    mine = next(c for c in sales["contributors"] if c["id"] == help_goal.pk)
    assert (mine["progress"], mine["weight"], mine["contribution"]) == (1, 0.5, link["id"])
    # Sales: its KR at 0 (weight 1), Rob's plan at 0 (weight 1), Olga's goal at 1 (weight 0.5).
    assert sales["progress"] == pytest.approx(0.5 / 2.5)


def test_a_link_that_closes_a_cycle_is_a_conflict(org):
    answer = api_for(org.ceo).post(
        f"/goals/{org.company.pk}/contributions", {"senior_goal": org.private.pk}
    )
    assert answer.status == 409
    assert answer.error["code"] == "conflict"
    assert "cycle" in answer.error["fields"]["senior_goal"]


def test_the_same_link_twice_is_a_conflict(org):
    answer = api_for(org.vera).post(
        f"/goals/{org.sales.pk}/contributions", {"senior_goal": org.company.pk}
    )
    assert answer.status == 409


def test_a_private_senior_goal_the_caller_may_not_see_does_not_exist(org):
    help_goal = org.world.goal("Help", owner=org.olga, krs=[metric()])
    answer = api_for(org.olga).post(
        f"/goals/{help_goal.pk}/contributions", {"senior_goal": org.private.pk}
    )
    assert answer.status == 404
    assert answer.error["fields"] == {"senior_goal": "No such goal."}


def test_either_owner_may_reweight_and_unlink(org):
    link = Contribution.objects.get(junior=org.sales, senior=org.company)
    changed = api_for(org.ceo).patch(f"/contributions/{link.pk}", {"weight": 0})
    assert changed.status == 200
    assert changed.body["weight"] == 0
    assert api_for(org.vera).patch(f"/contributions/{link.pk}", {"weight": 3}).status == 200
    assert api_for(org.vera).delete(f"/contributions/{link.pk}").status == 204
    assert not Contribution.objects.filter(pk=link.pk).exists()
    assert api_for(org.vera).get(f"/goals/{org.sales.pk}").body["parents"] == []


def test_a_link_to_a_hidden_goal_cannot_be_reached_by_its_id(org):
    link = Contribution.objects.get(junior=org.private)
    assert api_for(org.olga).patch(f"/contributions/{link.pk}", {"weight": 2}).status == 404
    assert api_for(org.olga).delete(f"/contributions/{link.pk}").status == 404


def test_the_only_contributor_of_an_active_goal_stays(org):
    top = org.world.goal("Top", owner=org.olga, krs=[metric()])
    under = org.world.goal("Under", owner=org.olga, krs=[metric()], under={top: 1})
    api_for(org.olga).delete(f"/key-results/{org.kr(top).pk}")  # top now lives on its link
    link = Contribution.objects.get(junior=under)
    answer = api_for(org.olga).delete(f"/contributions/{link.pk}")
    assert answer.status == 400
    assert Goal.objects.get(pk=top.pk).state == "active"
