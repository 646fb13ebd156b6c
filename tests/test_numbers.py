"""Ids and whole numbers from requests: ASCII digits only (core.numbers)."""

import pytest

from cascade.core.errors import NotFound
from cascade.core.numbers import MAX_ID, ascii_int, id_or_not_found, parse_id
from cascade.core.text import search_words


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("12", 12), (12, 12), (str(MAX_ID), MAX_ID), ("1" * 19, None)]
    + [(raw, None) for raw in ["²", "٣", "١٢", "-1", "0", 0, -3, "+3", " 3", "3 ", "1_0", "1e9"]]
    + [(raw, None) for raw in [str(10**30), 10**30, str(MAX_ID + 1), "abc", "", None, True, 1.0]],
)
def test_an_id_is_ascii_digits_within_64_bits(raw, expected):
    assert parse_id(raw) == (expected if raw != "1" * 19 else int("1" * 19))


def test_anything_else_is_not_found():
    assert id_or_not_found("7", "goal") == 7
    with pytest.raises(NotFound, match="No such goal"):
        id_or_not_found("²", "goal")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("3", 3),
        ("-3", -3),
        ("0", 0),
        ("²", None),
        ("٣", None),
        ("-", None),
        ("+3", None),
        ("", None),
    ],
)
def test_a_whole_number_is_ascii_digits(raw, expected):
    assert ascii_int(raw) == expected


def test_search_words_drop_nul_characters():
    assert search_words("a\x00b  c", limit=6) == ["a", "b", "c"]
