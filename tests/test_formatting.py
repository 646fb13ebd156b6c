"""One way to show a number (core.formatting), and parse_number reading it back (core.numbers)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from cascade.core import formatting
from cascade.core.numbers import MAX_ABS_VALUE, parse_number


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("11580000.000000"), "11,580,000"),
        (Decimal("17.500000"), "17.5"),
        (Decimal("0.000000"), "0"),
        (Decimal("-0.000000"), "0"),
        (Decimal("-1234.5"), "-1,234.5"),
        (Decimal("0.000001"), "0.000001"),
        (Decimal("0.0000001"), "0"),  # finer than the columns keep
        (Decimal("9999999999999.999999"), "9,999,999,999,999.999999"),
        (Decimal("1E+30"), "1,000,000,000,000,000,000,000,000,000,000"),
        (0.1 + 0.2, "0.3"),  # a float's noise is past the six places
        (3, "3"),
        ("5.000000", "5"),  # as an audit trail keeps it
        ("Revenue", "Revenue"),  # not a number: shown as it is
        (None, "—"),
    ],
)
def test_a_number_has_groups_and_no_trailing_zeros(value, shown):
    assert formatting.number(value) == shown


def test_a_measured_value_keeps_its_unit():
    assert formatting.measure(Decimal("11580000.000000"), "€") == "11,580,000 €"
    assert formatting.measure(Decimal("17.50"), "h") == "17.5 h"
    assert formatting.measure(Decimal("31"), "%") == "31 %"
    assert formatting.measure(Decimal("42"), "") == "42"
    assert formatting.measure(None, "€") == "—"


def test_fewer_places_round_and_still_drop_zeros():
    assert formatting.number(Decimal("3.6000"), places=2) == "3.6"
    assert formatting.number(Decimal("3.256"), places=2) == "3.26"
    assert formatting.number(Decimal("12345.67"), places=1) == "12,345.7"


def test_ratios_are_percentages_and_weights_plain_numbers():
    assert formatting.percent(0.31) == "31 %"
    assert formatting.percent("0.70") == "70 %"
    assert formatting.percent(0.999) == "99 %"  # not finished never reads 100 %
    assert formatting.percent(-0.25) == "-25 %"
    assert formatting.percent(None) == "—"
    assert formatting.percent1(0.1254) == "12.5 %"
    assert formatting.percent1(0.6) == "60 %"
    assert formatting.weight(Decimal("0.500")) == "0.5"
    assert formatting.weight(Decimal("3.000")) == "3"


def parsed(raw, **kw):
    return parse_number(raw, "value", **kw)


def refusal(raw, **kw) -> str:
    with pytest.raises(ValidationError) as caught:
        parse_number(raw, "value", **kw)
    return caught.value.message_dict["value"][0]


@pytest.mark.parametrize(
    ("raw", "kw", "expected"),
    [
        ("1,000", {}, "1000"),
        ("1 000", {}, "1000"),
        ("1\u00a0000\u00a0000", {}, "1000000"),  # no-break spaces between groups
        ("11,580,000", {}, "11580000"),
        ("1,234,567.891", {}, "1234567.891"),
        ("12.5", {}, "12.5"),
        (".5", {}, "0.5"),
        ("-3", {}, "-3"),
        ("\u22123", {}, "-3"),  # the minus sign
        ("+3", {}, "3"),
        ("1e3", {}, "1000"),
        ("1.000", {}, "1"),  # a point is always the decimal point
        ("€ 1,200", {"unit": "€"}, "1200"),
        ("1,200 €", {"unit": "€"}, "1200"),
        ("-€ 5", {"unit": "€"}, "-5"),
        ("€ -5", {"unit": "€"}, "-5"),
        ("3 Days", {"unit": "days"}, "3"),
        ("31 %", {"unit": "%"}, "31"),  # the unit itself: no scaling
        ("12.5 %", {"percent": True}, "0.125"),  # a ratio typed as shown
        ("0.7", {"percent": True}, "0.7"),
        ("9999999999999.999999", {}, "9999999999999.999999"),
        (Decimal("2.5"), {}, "2.5"),
        (7, {}, "7"),
    ],
)
def test_what_the_app_shows_can_be_typed_back(raw, kw, expected):
    assert parsed(raw, **kw) == Decimal(expected)


@pytest.mark.parametrize(
    ("raw", "kw", "message"),
    [
        ("1,5", {}, "Use a point for decimals: 1.5"),
        ("12,34", {"unit": "€"}, "Use a point for decimals: 12.34"),
        ("1.000,5", {}, "Use a point for decimals and commas for thousands: 1,000.5"),
        ("1.000.000", {}, "Use commas for thousands and a point for decimals: 1,000,000"),
        ("1,00,000", {}, "Write thousands in groups of three: 1,000,000"),
        ("1 5", {}, "Write thousands in groups of three: 1,000,000"),
        ("$ 1,200", {"unit": "€"}, "Enter a number in €; “$” is not this unit."),
        ("5 %", {"unit": "€"}, "Enter a number in €; “%” is not this unit."),
        ("5 %", {}, "Enter a plain number, without %."),
        ("5 apples", {}, "Enter a number."),
        ("€ 5 €", {"unit": "€"}, "Enter a number."),
        ("١٢", {}, "Write the number with the digits 0-9."),  # Arabic-Indic digits
        ("1²", {}, "Write the number with the digits 0-9."),
        ("１２", {}, "Write the number with the digits 0-9."),  # full-width digits
        ("NaN", {}, "Enter a finite number."),
        ("-Infinity", {}, "Enter a finite number."),
        ("", {}, "Enter a number."),
        ("--5", {}, "Enter a number."),
        ("1" * 100, {}, "That number is too long."),
        ("10,000,000,000,000", {}, "That number is too large."),
        ("-10000000000000", {}, "That number is too large."),
        ("1e400", {}, "That number is too large."),
        ("99999999999999.9999999", {}, "That number is too large."),
    ],
)
def test_ambiguous_or_foreign_text_is_refused_with_the_way_to_write_it(raw, kw, message):
    assert refusal(raw, **kw) == message


def test_the_limit_is_the_columns_range():
    assert parsed(str(MAX_ABS_VALUE - 1)) == MAX_ABS_VALUE - 1
    assert parsed(formatting.number(MAX_ABS_VALUE - 1)) == MAX_ABS_VALUE - 1  # round trip


@pytest.mark.parametrize(
    "value",
    [Decimal("11580000"), Decimal("-1234.5"), Decimal("0.000001"), Decimal("9999999999999.5")],
)
def test_every_shown_number_reads_back_as_itself(value):
    assert parsed(formatting.number(value)) == value
    assert parsed(formatting.measure(value, "€"), unit="€") == value
