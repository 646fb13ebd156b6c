"""The alignment tree of a period, and the organisation's audit trail."""

from __future__ import annotations

from tests.api.conftest import api_for


def walk(nodes, depth=0):
    for node in nodes:
        yield depth, node
        yield from walk(node["children"], depth + 1)


def test_the_tree_of_the_current_period(org):
    answer = api_for(org.vera).get("/tree")
    assert answer.status == 200
    assert answer.body["period"]["id"] == org.world.period.pk
    shape = [(depth, node["title"], node["weight"]) for depth, node in walk(answer.body["goals"])]
    assert shape == [(0, "Grow revenue", None), (1, "Win deals", 2.0), (2, "Private plan", 1.0)]
    top = answer.body["goals"][0]
    assert {"id", "progress", "status", "expected_progress", "owner", "state"} <= set(top)


def test_the_tree_leaves_out_what_the_caller_may_not_see(org):
    titles = [n["title"] for _, n in walk(api_for(org.olga).get("/tree").body["goals"])]
    assert titles == ["Grow revenue", "Win deals"]


def test_a_tree_without_periods(db):
    from cascade.accounts.models import User
    from cascade.orgs import services as orgs

    founder = User.objects.create_user("f@example.com", "pw", full_name="Founder")
    member = orgs.create_organisation(name="Empty", founder=founder, slug="empty")
    assert api_for(member).get("/tree").body == {"period": None, "goals": []}


def test_audit_events_for_super_users(org):
    client = api_for(org.ceo)
    api_for(org.vera).post(f"/key-results/{org.kr(org.sales).pk}/check-ins", {"value": 3})

    answer = client.get("/audit-events")
    assert answer.status == 200
    latest = answer.body["items"][0]
    assert latest["kind"] == "key_result.checked_in"
    assert latest["actor"]["id"] == org.vera.pk
    assert latest["goal"] == org.sales.pk
    checked_in = client.get("/audit-events", kind="key_result.checked_in").body
    assert checked_in["count"] == 1
    by_vera = client.get("/audit-events", actor=org.vera.pk).body["items"]
    assert {e["actor"]["id"] for e in by_vera} == {org.vera.pk}
    on_sales = client.get("/audit-events", goal=org.sales.pk).body["items"]
    assert {e["goal"] for e in on_sales} == {org.sales.pk}
    theirs = client.get("/audit-events", goal=org.other_goal.pk).body
    assert theirs["count"] == 0
    assert api_for(org.vera).get("/audit-events").status == 403
