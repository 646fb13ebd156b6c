"""Parsing measured values and weights from whatever a form, an API or a script sends."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from cascade.core.errors import NotFound

# Fits the DecimalField(max_digits=20, decimal_places=6) columns that hold values, on every
# database: SQLite keeps decimals as floats and reads them back rounded to 15 digits, so a value
# just under 1e14 would come back as 1e14, which has no room for 6 decimal places (a crash on
# read). Under 1e13, the rounded value still fits.
MAX_ABS_VALUE = Decimal("1e13")
VALUE_QUANTUM = Decimal("0.000001")
MAX_WEIGHT = Decimal(1000)
MAX_ID = 2**63 - 1  # the largest value of a 64-bit primary key


def parse_number(raw: object, field: str) -> Decimal:
    """A finite Decimal within the columns' range, or a ValidationError naming the field."""
    if isinstance(raw, bool) or raw is None:
        raise ValidationError({field: "Enter a number."})
    try:
        value = Decimal(str(raw).strip()) if not isinstance(raw, Decimal) else raw
    except (InvalidOperation, ValueError):
        raise ValidationError({field: "Enter a number."}) from None
    if not value.is_finite():
        raise ValidationError({field: "Enter a finite number."})
    try:
        # Rounded first, then measured: 99999999999999.9999999 rounds up past the columns' range.
        value = value.quantize(VALUE_QUANTUM)
    except InvalidOperation:
        raise ValidationError({field: "That number is too large."}) from None
    if abs(value) >= MAX_ABS_VALUE:
        raise ValidationError({field: "That number is too large."})
    return value


def parse_weight(raw: object, field: str = "weight") -> Decimal:
    weight = parse_number(raw, field)
    if weight < 0:
        raise ValidationError({field: "A weight cannot be negative."})
    if weight > MAX_WEIGHT:
        raise ValidationError({field: f"A weight cannot be more than {MAX_WEIGHT}."})
    return weight.quantize(Decimal("0.001"))


def parse_confidence(raw: object) -> int | None:
    if raw is None or raw == "":
        return None
    value = parse_number(raw, "confidence")
    if value != value.to_integral_value() or not 0 <= value <= 10:
        raise ValidationError({"confidence": "Confidence is a whole number from 0 to 10."})
    return int(value)


def ascii_int(raw: object) -> int | None:
    """A whole number written in ASCII digits (an optional minus sign first), else None.

    Not ``str.isdigit()``: it accepts "²" (which ``int()`` then refuses with a ValueError, a 500)
    and "٣", and ``int()`` itself takes " 3", "+3" and "1_000". A number is what people type
    with 0-9; a longer string than any 64-bit number is refused before it is converted.
    """
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if not isinstance(raw, str) or not 0 < len(raw) <= 20:
        return None
    digits = raw.removeprefix("-")
    if not (digits and digits.isascii() and digits.isdigit()):
        return None
    return int(raw)


def parse_id(raw: object) -> int | None:
    """An id from a URL, a query string, a form field's name or a JSON body, or None for
    anything that cannot be one: not ASCII digits, zero, negative, or past the 64-bit keys
    (which the databases would refuse with an error, not an empty answer)."""
    value = ascii_int(raw)
    return value if value is not None and 1 <= value <= MAX_ID else None


def id_or_not_found(raw: object, what: str, field: str | None = None) -> int:
    """``parse_id``, answering anything that cannot be an id as a missing object."""
    value = parse_id(raw)
    if value is None:
        raise NotFound(f"No such {what}.", field)
    return value
