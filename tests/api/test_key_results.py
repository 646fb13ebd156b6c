"""Key results and check-ins through the API."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cascade.audit.models import AuditEvent, EventKind
from cascade.goals.models import CheckIn, KeyResult
from tests.api.conftest import api_for


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"title": "Revenue", "start": 100, "target": 200, "unit": "k€"},
            ("metric", 100, 200, None),
        ),
        ({"title": "Churn", "start": "5.5", "target": "2"}, ("metric", 5.5, 2, None)),
        ({"title": "Launch", "kind": "milestone"}, ("milestone", 0, 1, None)),
        (
            {"title": "Uptime", "kind": "threshold", "target": 99.9, "direction": "above"},
            ("threshold", 0, 99.9, "above"),
        ),
        ({"title": "All regions", "kind": "sum", "target": 1000}, ("sum", 0, 1000, None)),
    ],
    ids=["metric", "lower-is-better", "milestone", "threshold", "sum"],
)
def test_add_every_kind_of_key_result(org, body, expected):
    answer = api_for(org.vera).post(f"/goals/{org.sales.pk}/key-results", body)
    assert answer.status == 201, answer.body
    kr = answer.body
    assert (kr["kind"], kr["start"], kr["target"], kr["direction"]) == expected
    assert (kr["current"], kr["progress"], kr["attainment"]) == (None, 0, 0)
    assert kr["goal"] == org.sales.pk
    assert AuditEvent.objects.filter(kind=EventKind.KEY_RESULT_ADDED, object_id=kr["id"]).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "No target"}, "target"),
        ({"title": "Flat", "start": 3, "target": 3}, "target"),
        ({"title": "Which side?", "kind": "threshold", "target": 5}, "direction"),
        ({"title": "", "target": 5}, "title"),
        ({"title": "Odd", "kind": "percentage", "target": 5}, "kind"),
        ({"title": "Heavy", "target": 5, "weight": 1001}, "weight"),
    ],
)
def test_key_result_definitions_are_validated(org, body, field):
    answer = api_for(org.vera).post(f"/goals/{org.sales.pk}/key-results", body)
    assert answer.status == 400
    assert field in answer.error["fields"]
    assert KeyResult.objects.filter(goal=org.sales).count() == 1


def test_key_results_add_into_a_sum(org):
    client = api_for(org.ceo)
    total = client.post(
        f"/goals/{org.company.pk}/key-results",
        {"title": "Bookings", "kind": "sum", "target": 100, "unit": "deals"},
    ).body
    part = client.post(
        f"/goals/{org.sales.pk}/key-results",
        {"title": "EMEA deals", "target": 50, "unit": "deals", "rollup_into": total["id"]},
    ).body
    assert part["rollup_into"] == total["id"]
    client.post(f"/key-results/{part['id']}/check-ins", {"value": 30})
    assert client.get(f"/key-results/{total['id']}").body["current"] == 30

    refused = client.post(f"/key-results/{total['id']}/check-ins", {"value": 1})
    assert refused.status == 400
    wrong_unit = client.post(
        f"/goals/{org.sales.pk}/key-results",
        {"title": "X", "target": 5, "unit": "€", "rollup_into": total["id"]},
    )
    assert wrong_unit.status == 400
    assert "rollup_into" in wrong_unit.error["fields"]
    unlinked = client.patch(f"/key-results/{part['id']}", {"rollup_into": None})
    assert unlinked.body["rollup_into"] is None
    assert client.get(f"/key-results/{total['id']}").body["current"] is None


def test_patch_a_key_result(org):
    kr = org.kr(org.sales)
    client = api_for(org.vera)
    answer = client.patch(f"/key-results/{kr.pk}", {"target": "20", "title": "Deals won"})
    assert answer.status == 200
    assert (answer.body["target"], answer.body["title"]) == (20, "Deals won")
    org.world.check_in(org.sales, 5)
    changed_kind = client.patch(f"/key-results/{kr.pk}", {"kind": "milestone"})
    assert changed_kind.status == 400
    assert "kind" in changed_kind.error["fields"]


def test_delete_a_key_result_and_its_check_ins(org):
    kr = org.kr(org.company)
    org.world.check_in(org.company, 40)
    assert api_for(org.ceo).delete(f"/key-results/{kr.pk}").status == 204
    assert not KeyResult.objects.filter(pk=kr.pk).exists()
    assert not CheckIn.objects.filter(key_result_id=kr.pk).exists()
    assert api_for(org.ceo).get(f"/key-results/{kr.pk}").status == 404


def test_check_in_and_read_the_check_ins_back(org):
    kr = org.kr(org.sales)
    client = api_for(org.vera)
    first = client.post(f"/key-results/{kr.pk}/check-ins", {"value": "2.5", "confidence": 6})
    second = client.post(
        f"/key-results/{kr.pk}/check-ins", {"value": 4, "confidence": 8, "note": "Two big ones."}
    )
    assert first.status == second.status == 201
    assert second.body["source"] == "api"
    assert second.body["author"] == {"id": org.vera.pk, "name": "Vera VP"}
    assert KeyResult.objects.get(pk=kr.pk).current == Decimal(4)

    listed = client.get(f"/key-results/{kr.pk}/check-ins")
    assert listed.body["count"] == 2
    assert [c["value"] for c in listed.body["items"]] == [4, 2.5]  # newest first
    assert listed.body["items"][0]["note"] == "Two big ones."
    after = client.get(f"/key-results/{kr.pk}").body
    assert (after["current"], after["progress"], after["confidence"]) == (4, 0.4, 8)


def test_milestones_are_done_or_not(org):
    milestone = KeyResult.objects.get(goal=org.company, kind="milestone")
    client = api_for(org.ceo)
    assert client.post(f"/key-results/{milestone.pk}/check-ins", {"value": 0.5}).status == 400
    done = client.post(f"/key-results/{milestone.pk}/check-ins", {"value": 1})
    assert done.status == 201
    assert client.get(f"/key-results/{milestone.pk}").body["progress"] == 1


def test_a_closed_goal_takes_no_check_ins(org):
    client = api_for(org.vera)
    client.post(f"/goals/{org.sales.pk}/close", {"score": 1, "outcome": "achieved"})
    answer = client.post(f"/key-results/{org.kr(org.sales).pk}/check-ins", {"value": 9})
    assert answer.status == 400


def test_a_super_user_may_check_in_for_anyone(org):
    kr = org.kr(org.private)
    assert api_for(org.ceo).post(f"/key-results/{kr.pk}/check-ins", {"value": 1}).status == 201


def test_values_that_would_overflow_a_sum_are_refused(org):
    """Each value fits its column; a sum of them may not: refused, not a 500 (fuzzing found it)."""
    client = api_for(org.ceo)
    total = client.post(
        f"/goals/{org.company.pk}/key-results", {"title": "All", "kind": "sum", "target": 10}
    ).body
    parts = [
        client.post(
            f"/goals/{org.sales.pk}/key-results",
            {"title": f"Part {n}", "target": 10, "rollup_into": total["id"]},
        ).body
        for n in range(2)
    ]
    big = "9000000000000"
    assert client.post(f"/key-results/{parts[0]['id']}/check-ins", {"value": big}).status == 201
    answer = client.post(f"/key-results/{parts[1]['id']}/check-ins", {"value": big})
    assert answer.status == 400
    assert "All" in answer.error["message"]
    assert client.get(f"/key-results/{total['id']}").body["current"] == 9e12


# --------------------------------------------------------------------------- the batch


def test_a_batch_checks_in_on_several_key_results_and_says_what_moved(org):
    from tests.builders import metric

    first = org.kr(org.sales)
    client = api_for(org.vera)
    added = client.post(f"/goals/{org.sales.pk}/key-results", metric(0, 10) | {"title": "Calls"})
    answer = client.post(
        "/check-ins",
        {
            "check_ins": [
                {"key_result": first.pk, "value": 5, "confidence": 8},
                {"key_result": added.body["id"], "value": "10", "note": "All made."},
            ]
        },
    )

    assert answer.status == 201, answer.body
    assert [c["source"] for c in answer.body["check_ins"]] == ["api", "api"]
    moved = {m["goal"]: m for m in answer.body["moved"]}
    assert moved[org.sales.pk]["checked_in"] is True
    assert moved[org.sales.pk]["after"] == pytest.approx(
        KeyResult.objects.get(pk=first.pk).goal.progress
    )
    assert moved[org.company.pk]["checked_in"] is False
    assert moved[org.company.pk]["after"] > moved[org.company.pk]["before"]


def test_a_refused_entry_is_named_by_its_place_and_nothing_is_saved(org):
    kr = org.kr(org.sales)
    answer = api_for(org.vera).post(
        "/check-ins",
        {"check_ins": [{"key_result": kr.pk, "value": 3}, {"key_result": kr.pk, "value": 4}]},
    )

    assert answer.status == 400
    assert answer.error["fields"] == {"check_ins.1.value": "This key result is in the batch twice."}
    assert not CheckIn.objects.filter(key_result=kr).exists()


def test_a_batch_never_shows_a_private_goal_above(org):
    """Rob's private plan lies under Vera's goal; Vera's batch must not reveal goals she cannot
    see, and Rob's batch lists his own private goal and what he may see above it."""
    kr = org.kr(org.private)
    answer = api_for(org.rob).post("/check-ins", {"check_ins": [{"key_result": kr.pk, "value": 1}]})

    assert answer.status == 201, answer.body
    assert {m["goal"] for m in answer.body["moved"]} == {
        org.private.pk,
        org.sales.pk,
        org.company.pk,
    }


def test_an_unknown_key_result_in_a_batch_is_a_404_naming_the_entry(org):
    answer = api_for(org.vera).post(
        "/check-ins",
        {
            "check_ins": [
                {"key_result": org.kr(org.sales).pk, "value": 1},
                {"key_result": org.other.kr(org.other_goal).pk, "value": 1},
            ]
        },
    )

    assert answer.status == 404
    assert list(answer.error["fields"]) == ["check_ins.1.key_result"]
    assert not CheckIn.objects.filter(key_result=org.kr(org.sales)).exists()


@pytest.mark.parametrize("size", [0, 201])
def test_an_empty_or_huge_batch_is_refused(org, size):
    kr = org.kr(org.sales)
    answer = api_for(org.vera).post(
        "/check-ins", {"check_ins": [{"key_result": kr.pk, "value": 1}] * size}
    )
    assert answer.status == 400
    assert "check_ins" in answer.error["fields"]
