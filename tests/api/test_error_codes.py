"""Every refusal carries a stable code, the codes are documented, and the API passes them on."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from cascade.goals.models import KeyResult
from tests.api.conftest import api_for
from tests.api.error_codes import SNAKE_CASE, documented_codes, refusal_sites, source_codes
from tests.builders import metric


def test_every_refusal_in_the_source_names_its_code():
    sites = refusal_sites()
    assert len(sites) > 100  # the scan finds the raise sites at all
    problems = [f"{s.where}: {s.call}(…) {s.problem}" for s in sites if s.problem]
    assert not problems, "\n".join(problems)


def test_codes_are_snake_case_and_never_the_default():
    codes = source_codes()
    assert "invalid" not in codes  # what the API says when a refusal names no code
    assert not [code for code in codes if not SNAKE_CASE.fullmatch(code)]


def test_the_docs_table_lists_exactly_the_codes_of_the_source():
    documented, raised = set(documented_codes()), source_codes()
    assert not raised - documented, f"undocumented codes: {sorted(raised - documented)}"
    assert not documented - raised, f"documented, never raised: {sorted(documented - raised)}"


def test_the_scan_catches_a_refusal_without_a_code(tmp_path, monkeypatch):
    """The scanner itself: a bare ValidationError, an ``invalid`` without a code and a code
    that is not a literal are found; form code and coded calls pass."""
    from tests.api import error_codes

    (tmp_path / "services.py").write_text(
        "raise ValidationError('No.')\n"
        "raise invalid('No.')\n"
        "raise invalid('No.', code)\n"
        "raise invalid('Yes.', 'fine_code', 'field')\n"
        "raise ValidationError('Yes.', code='other_code')\n"
        "raise invalid_fields({'a': ('Yes.', 'third_code')})\n"
        "raise invalid(problem.message, problem.code)\n"
        "raise forms.ValidationError('A form says so.')\n"
    )
    monkeypatch.setattr(error_codes, "SOURCE", tmp_path)
    sites = error_codes.refusal_sites()
    assert [(s.where, s.problem) for s in sites if s.problem] == [
        ("services.py:1", "no code"),
        ("services.py:2", "no code"),
        ("services.py:3", "the code is not a string literal"),
    ]
    assert error_codes.source_codes() == {"fine_code", "other_code", "third_code"}


# --------------------------------------------------------------------------- end to end


def test_a_check_in_on_a_closed_goal_is_goal_closed(org):
    client = api_for(org.vera)
    client.post(f"/goals/{org.sales.pk}/close", {"score": 1, "outcome": "achieved"})
    answer = client.post(f"/key-results/{org.kr(org.sales).pk}/check-ins", {"value": 9})
    assert answer.status == 400
    assert answer.error["reason"] == "goal_closed"
    assert answer.error["message"] == "This goal is closed; reopen it to check in."
    assert answer.error["fields"] == answer.error["field_codes"] == {}


def test_a_negative_weight_is_weight_negative(org):
    help_goal = org.world.goal("Help sales", owner=org.olga, krs=[metric(0, 10)])
    answer = api_for(org.olga).post(
        f"/goals/{help_goal.pk}/contributions", {"senior_goal": org.sales.pk, "weight": "-1"}
    )
    assert answer.status == 400
    assert answer.error["reason"] is None
    assert answer.error["field_codes"] == {"weight": "weight_negative"}
    assert set(answer.error["fields"]) == {"weight"}


def test_a_weight_refused_by_the_service_has_the_same_code(org):
    """The schema and the service (``parse_weight``) name the rule alike."""
    from cascade.core.numbers import parse_weight

    with pytest.raises(ValidationError) as refused:
        parse_weight("-1")
    assert refused.value.error_dict["weight"][0].code == "weight_negative"
    assert refused.value.messages == ["A weight cannot be negative."]


def test_a_link_that_closes_a_cycle_is_cycle(org):
    answer = api_for(org.ceo).post(
        f"/goals/{org.company.pk}/contributions", {"senior_goal": org.private.pk}
    )
    assert answer.status == 409
    assert answer.error["code"] == "conflict"
    # The refusal is about the senior goal named in the body: its field carries the code.
    assert answer.error["field_codes"] == {"senior_goal": "cycle"}


def test_the_same_link_twice_is_already_aligned(org):
    answer = api_for(org.vera).post(
        f"/goals/{org.sales.pk}/contributions", {"senior_goal": org.company.pk}
    )
    assert answer.status == 409
    assert answer.error["field_codes"] == {"senior_goal": "already_aligned"}


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("1,5", "number_ambiguous"),
        ("1.000,5", "number_ambiguous"),
        ("1,00,000", "number_grouping"),
        ("lots", "number_invalid"),
        ("1e20", "number_too_large"),
        ("٣", "number_digits"),
    ],
)
def test_a_number_that_cannot_be_read_says_why(org, value, code):
    answer = api_for(org.vera).post(
        f"/key-results/{org.kr(org.sales).pk}/check-ins", {"value": value}
    )
    assert answer.status == 400
    assert answer.error["field_codes"] == {"value": code}


def test_a_batch_names_each_entry_code_under_its_place(org):
    kr = org.kr(org.sales)
    client = api_for(org.vera)
    unreadable = client.post(
        "/check-ins",
        {"check_ins": [{"key_result": kr.pk, "value": 1}, {"key_result": kr.pk, "value": "1,5"}]},
    )
    assert unreadable.status == 400
    assert unreadable.error["field_codes"] == {"check_ins.1.value": "number_ambiguous"}
    # Refused by the service, which names entries by key result: the API renames, codes kept.
    twice = client.post(
        "/check-ins",
        {"check_ins": [{"key_result": kr.pk, "value": 1}, {"key_result": kr.pk, "value": 2}]},
    )
    assert twice.status == 400
    assert twice.error["field_codes"] == {"check_ins.1.value": "duplicate_entry"}


def test_a_key_result_definition_names_each_rule(org):
    answer = api_for(org.vera).post(
        f"/goals/{org.sales.pk}/key-results",
        {"title": "Flat", "start": 5, "target": 5, "direction": "above"},
    )
    assert answer.status == 400
    assert answer.error["field_codes"] == {
        "target": "target_equals_start",
        "direction": "direction_not_allowed",
    }
    assert KeyResult.objects.filter(title="Flat").count() == 0


def test_a_period_that_ends_before_it_starts_is_ends_before_start(org):
    answer = api_for(org.ceo).post(
        "/periods",
        {"name": "Backwards", "start": str(date(2027, 3, 1)), "end": str(date(2027, 1, 1))},
    )
    assert answer.status == 400
    assert answer.error["field_codes"]["end"] == "ends_before_start"
