"""Parsing measured values and weights from whatever a form, an API or a script sends."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

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


def parse_id(raw: str | None) -> int | None:
    """An id from a query string, or None for anything that cannot be one (a word, a number
    past the 64-bit keys, which the databases would refuse with an error, not an empty answer)."""
    if not raw or not raw.isdigit() or len(raw) > 19:
        return None
    value = int(raw)
    return value if 1 <= value <= MAX_ID else None
