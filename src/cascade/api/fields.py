"""The value types of the API's inputs, each with the limits that keep bad input a 400.

Every limit here stands for something the database or the services would otherwise trip over
with a 500: ids beyond a 64-bit integer, text with NUL characters (PostgreSQL refuses them) or
lone surrogates (no encoding can store them), numbers beyond the value columns.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from pydantic import (
    AfterValidator,
    Field,
    PlainValidator,
    Strict,
    StringConstraints,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from cascade.accounts.models import User
from cascade.core.numbers import MAX_ABS_VALUE, MAX_ID, MAX_WEIGHT, parse_number
from cascade.core.text import LONG_TEXT, NOTE, column_length
from cascade.goals.models import Goal, KeyResult
from cascade.orgs.models import Organisation, Period, Team

# The refusals of these types carry the services' stable codes (docs/api.md, "Error codes"):
# pydantic reports a PydanticCustomError's type as the field's code.


def storable_text(value: str) -> str:
    if "\x00" in value:
        raise PydanticCustomError("text_nul", "Text cannot contain NUL characters.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise PydanticCustomError("text_unicode", "Text must be valid Unicode.") from None
    return value


STORABLE = AfterValidator(storable_text)

# Strings the database can store, each as long as its column (or the service's limit) allows.
Title = Annotated[str, StringConstraints(max_length=column_length(Goal, "title")), STORABLE]
LongText = Annotated[str, StringConstraints(max_length=LONG_TEXT), STORABLE]
Note = Annotated[str, StringConstraints(max_length=NOTE), STORABLE]
Name = Annotated[str, StringConstraints(max_length=column_length(Team, "name")), STORABLE]
FullName = Annotated[str, StringConstraints(max_length=column_length(User, "full_name")), STORABLE]
PeriodName = Annotated[str, StringConstraints(max_length=column_length(Period, "name")), STORABLE]
Unit = Annotated[str, StringConstraints(max_length=column_length(KeyResult, "unit")), STORABLE]
Slug = Annotated[str, StringConstraints(max_length=column_length(Organisation, "slug")), STORABLE]
Email = Annotated[str, StringConstraints(max_length=254), STORABLE]
Password = Annotated[str, StringConstraints(max_length=1000), STORABLE]
TokenName = Annotated[str, StringConstraints(max_length=100), STORABLE]
Search = Annotated[str, StringConstraints(max_length=200), STORABLE]
EventKindName = Annotated[str, StringConstraints(max_length=40), STORABLE]


Id = Annotated[int, Field(ge=1, le=MAX_ID, description="An id (a positive 64-bit integer).")]
# In a JSON body an id is a JSON integer: not a string, a float or a boolean.
BodyId = Annotated[int, Strict(), Field(ge=1, le=MAX_ID, description="An id.")]

# A numeric string: up to 13 digits before the point (values stay under 1e13) and 6 after.
DECIMAL_STRING = re.compile(r"^-?[0-9]{1,13}(\.[0-9]{1,6})?$")


def _unreadable(raw: object) -> PydanticCustomError:
    """Why a string is not a number of the schema: as the services would say it ("1,5" reads
    two ways: ``number_ambiguous``), else the schema's own words (``number_invalid``)."""
    if isinstance(raw, str):
        try:
            parse_number(raw, "value")
        except ValidationError as error:
            [refused] = error.error_dict["value"]
            if refused.code != "number_invalid":
                return PydanticCustomError(str(refused.code), refused.messages[0])
    return PydanticCustomError("number_invalid", 'Enter a number, or a string such as "12.5".')


def number(
    minimum: Decimal,
    maximum: Decimal,
    description: str,
    *,
    exclusive: bool = False,
    below: str = "number_too_large",
    above: str = "number_too_large",
) -> Any:
    """A number type: a JSON number, or a string holding a decimal ("12.5") for exact values.

    The implementation accepts exactly what the documented schema describes, so that a program
    generating requests from the schema is never surprised either way. ``below`` and ``above``
    are the codes of a number out of range on either side.
    """
    bound = "exclusive" if exclusive else "inclusive"

    def to_decimal(raw: object) -> Decimal:
        if isinstance(raw, bool):
            raise PydanticCustomError("number_invalid", "Enter a number.")
        if isinstance(raw, int | Decimal):
            value = Decimal(raw)
        elif isinstance(raw, float):
            value = Decimal(repr(raw))
        elif isinstance(raw, str) and DECIMAL_STRING.match(raw):
            value = Decimal(raw)
        else:
            raise _unreadable(raw)
        if not value.is_finite():
            raise PydanticCustomError("number_not_finite", "Enter a finite number.")
        out_of_range = f"Enter a number from {minimum} to {maximum} ({bound})."
        if value <= minimum if exclusive else value < minimum:
            raise PydanticCustomError(below, out_of_range)
        if value >= maximum if exclusive else value > maximum:
            raise PydanticCustomError(above, out_of_range)
        return value

    limits = (
        {"exclusiveMinimum": float(minimum), "exclusiveMaximum": float(maximum)}
        if exclusive
        else {"minimum": float(minimum), "maximum": float(maximum)}
    )
    string: dict[str, Any] = {"type": "string", "pattern": DECIMAL_STRING.pattern}
    if minimum >= 0:
        string["pattern"] = DECIMAL_STRING.pattern.replace("^-?", "^")
    return Annotated[
        Decimal,
        PlainValidator(to_decimal),
        WithJsonSchema(
            {"anyOf": [{"type": "number", **limits}, string], "description": description}
        ),
    ]


Value = number(
    -MAX_ABS_VALUE,
    MAX_ABS_VALUE,
    "A measured value: a number, or a string holding one for exact decimals (6 places kept).",
    exclusive=True,
)
Weight = number(
    Decimal(0),
    MAX_WEIGHT,
    "How much this counts relative to its siblings, from 0 to 1000 (default 1).",
    below="weight_negative",
    above="weight_too_large",
)
Margin = number(
    Decimal(0), Decimal(1), "A fraction from 0 to 1.", below="margin_range", above="margin_range"
)
Score = number(
    Decimal(0),
    Decimal(1),
    "From 0.0 (nothing achieved) to 1.0 (achieved).",
    below="score_range",
    above="score_range",
)

Confidence = Annotated[
    int,
    Strict(),
    Field(ge=0, le=10, description="The owner's confidence, from 0 (none) to 10 (certain)."),
]
Flag = Annotated[bool, Strict()]  # true or false, not 0 or "yes"


def _iso_date(raw: object) -> date:
    if isinstance(raw, date):
        return raw
    if isinstance(raw, str) and ISO_DATE.match(raw):
        try:
            return date.fromisoformat(raw)
        except ValueError:
            pass
    raise PydanticCustomError("date_invalid", "Enter a date as YYYY-MM-DD.")


def _query_flag(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    if raw in ("true", "false"):
        return raw == "true"
    raise PydanticCustomError("boolean_required", "Enter true or false.")


ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
# A calendar date, written YYYY-MM-DD (and nothing else: no timestamps).
Day = Annotated[
    date, PlainValidator(_iso_date), WithJsonSchema({"type": "string", "format": "date"})
]
# A boolean in a query string: true or false.
QueryFlag = Annotated[bool, PlainValidator(_query_flag), WithJsonSchema({"type": "boolean"})]
