"""The rollup through the API: a check-in on a leaf key result moves every goal above it, by the
rules of DESIGN §3, with the numbers worked out by hand.

    Company  ← KR "Revenue" 0→100 at 50                  (weight 1)
             ← Sales (weight 2) ← KR "Deals" 0→10 at 4     (weight 1)
             │                  ← Rep (weight 3) ← KR "Churn" 100→50, lower is better (weight 1)
             │                                   ← KR "Playbook", a milestone          (weight 1)
             ← Product (weight 1) ← KR "Uptime", stay above 99, at 99.5               (weight 1)
"""

from __future__ import annotations

import pytest

from tests.api.conftest import api_for
from tests.builders import metric, milestone, threshold


@pytest.fixture
def tree(world):
    vp = world.person("Vera VP", manager=world.ceo)
    rep = world.person("Rob Rep", manager=vp)
    company = world.goal("Company", krs=[metric(0, 100, title="Revenue")])
    sales = world.goal("Sales", owner=vp, krs=[metric(0, 10, title="Deals")], under={company: 2})
    rep_goal = world.goal(
        "Rep",
        owner=rep,
        krs=[metric(100, 50, title="Churn"), milestone(title="Playbook")],
        under={sales: 3},
    )
    product = world.goal("Product", krs=[threshold(99, "above")], under={company: 1})
    world.check_in(company, 50)
    world.check_in(sales, 4)
    world.check_in(product, "99.5")
    return world, company, sales, rep_goal, product, rep


def progress(client, *goals) -> list[float]:
    return [client.get(f"/goals/{goal.pk}").body["progress"] for goal in goals]


def test_a_leaf_check_in_moves_every_goal_above(tree):
    world, company, sales, rep_goal, product, rep = tree
    client = api_for(rep)
    reader = api_for(world.ceo)
    churn, playbook = world.kr(rep_goal, 0), world.kr(rep_goal, 1)

    # Before: Rep (0 + 0) / 2 = 0; Sales (1·0.4 + 3·0) / 4 = 0.1; Product 1;
    # Company (1·0.5 + 2·0.1 + 1·1) / 4 = 0.425.
    assert progress(reader, rep_goal, sales, product, company) == pytest.approx([0, 0.1, 1, 0.425])

    # Churn 100 → 60 with 50 as the target: (60 − 100) / (50 − 100) = 0.8.
    answer = client.post(f"/key-results/{churn.pk}/check-ins", {"value": 60})
    assert answer.status == 201
    # Rep (0.8 + 0) / 2 = 0.4; Sales (0.4 + 3·0.4) / 4 = 0.4; Company (0.5 + 2·0.4 + 1) / 4 = 0.575.
    assert progress(reader, rep_goal, sales, company) == pytest.approx([0.4, 0.4, 0.575])

    # The playbook is done: Rep 0.9; Sales (0.4 + 2.7) / 4 = 0.775; Company (0.5 + 1.55 + 1) / 4.
    client.post(f"/key-results/{playbook.pk}/check-ins", {"value": 1})
    assert progress(reader, rep_goal, sales, company) == pytest.approx([0.9, 0.775, 0.7625])

    # Churn beats its target: attainment 1.2 is shown, progress 1 rolls up.
    client.post(f"/key-results/{churn.pk}/check-ins", {"value": 40})
    kr = reader.get(f"/key-results/{churn.pk}").body
    assert (kr["attainment"], kr["progress"]) == (pytest.approx(1.2), 1)
    # Rep 1; Sales (0.4 + 3) / 4 = 0.85; Company (0.5 + 1.7 + 1) / 4 = 0.8.
    assert progress(reader, rep_goal, sales, company) == pytest.approx([1, 0.85, 0.8])

    why = reader.get(f"/goals/{company.pk}/explain").body
    shares = {row["title"]: row["share"] for row in why["contributors"]}
    assert shares == pytest.approx({"Revenue": 0.125, "Sales": 0.425, "Product": 0.25})
    assert why["progress"] == pytest.approx(0.8)

    # Product stops counting when it is archived: Company (0.5 + 1.7) / 3.
    reader.delete(f"/goals/{product.pk}")
    assert progress(reader, company) == pytest.approx([2.2 / 3])
    why = reader.get(f"/goals/{company.pk}/explain").body
    assert {row["title"]: row["left_out"] for row in why["contributors"]}["Product"] == (
        "archived goal"
    )


def test_weights_through_the_api_change_the_rollup(tree):
    world, company, sales, _, _, _ = tree
    client = api_for(world.ceo)
    link = client.get(f"/goals/{sales.pk}").body["parents"][0]["contribution"]
    # Sales at weight 0: Company (0.5 + 1) / 2 = 0.75 (a zero weight does not count).
    client.patch(f"/contributions/{link}", {"weight": 0})
    assert progress(client, company) == pytest.approx([0.75])
    client.delete(f"/contributions/{link}")
    assert progress(client, company) == pytest.approx([0.75])
    assert client.get(f"/goals/{company.pk}").body["contributors"][0]["title"] == "Product"
