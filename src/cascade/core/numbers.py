"""Parsing measured values and weights from whatever a form, an API or a script sends."""

import re
from decimal import Decimal, InvalidOperation

from cascade.core.errors import NotFound, invalid

# Fits the DecimalField(max_digits=20, decimal_places=6) columns that hold values, on every
# database: SQLite keeps decimals as floats and reads them back rounded to 15 digits, so a value
# just under 1e14 would come back as 1e14, which has no room for 6 decimal places (a crash on
# read). Under 1e13, the rounded value still fits.
MAX_ABS_VALUE = Decimal("1e13")
VALUE_QUANTUM = Decimal("0.000001")
MAX_WEIGHT = Decimal(1000)
MAX_ID = 2**63 - 1  # the largest value of a 64-bit primary key


# What may stand between digit groups: a comma, or a space as some people and locales write it
# (the no-break spaces too). A point is always the decimal point, as the app displays numbers.
GROUP_SPACES = " \u00a0\u202f\u2009"
MINUS_SIGNS = "-\u2212"
MAX_TEXT = 64  # longer than any number the columns hold, written out with groups and a unit
NUMBER_TEXT = re.compile(
    r"(?P<before>.*?)(?P<number>\.?[0-9](?:[0-9.,"
    + GROUP_SPACES
    + r"]*[0-9])?\.?(?:[eE][-+]?[0-9]+)?)(?P<after>.*)",
    re.DOTALL,
)
EXPONENT = re.compile(r"(.*?)([eE][-+]?[0-9]+)?", re.DOTALL)
GROUPED = re.compile(
    r"[0-9]{1,3}(?:(?P<sep>[," + GROUP_SPACES + r"])[0-9]{3})?(?:(?P=sep)[0-9]{3})*"
)


def parse_number(raw: object, field: str, *, unit: str = "", percent: bool = False) -> Decimal:
    """A finite Decimal within the columns' range, or a ValidationError naming the field.

    Text is read the way the app displays numbers (``core.formatting``): "1,000", "1 000",
    "12.5", "-3", with the unit before or after it ("€ 1,200", "1,200 €") when ``unit`` is the
    field's unit. With ``percent`` (a ratio, 0 to 1), "12.5 %" reads as 0.125. ASCII digits only.
    What could be read two ways ("1,5", "1.000,5") is refused with the way to write it.
    """
    if isinstance(raw, bool) or raw is None:
        raise invalid("Enter a number.", "number_invalid", field)
    if isinstance(raw, str):
        value = _read_text(raw, field, unit=unit, percent=percent)
    else:
        try:
            value = raw if isinstance(raw, Decimal) else Decimal(str(raw))
        except (InvalidOperation, ValueError):
            raise invalid("Enter a number.", "number_invalid", field) from None
    if not value.is_finite():
        raise invalid("Enter a finite number.", "number_not_finite", field)
    try:
        # Rounded first, then measured: 99999999999999.9999999 rounds up past the columns' range.
        value = value.quantize(VALUE_QUANTUM)
    except InvalidOperation:
        raise invalid("That number is too large.", "number_too_large", field) from None
    if abs(value) >= MAX_ABS_VALUE:
        raise invalid("That number is too large.", "number_too_large", field)
    return value


def _read_text(raw: str, field: str, *, unit: str, percent: bool) -> Decimal:
    text = raw.strip()
    if not text:
        raise invalid("Enter a number.", "number_invalid", field)
    if len(text) > MAX_TEXT:
        raise invalid("That number is too long.", "number_too_long", field)
    if any(ch.isdigit() and not ch.isascii() for ch in text):
        raise invalid("Write the number with the digits 0-9.", "number_digits", field)
    if text.lower() in ("nan", "inf", "infinity", "-inf", "-infinity", "+inf", "+infinity"):
        raise invalid("Enter a finite number.", "number_not_finite", field)
    match = NUMBER_TEXT.fullmatch(text)
    if match is None:
        raise invalid("Enter a number.", "number_invalid", field)
    before, written, after = match["before"].strip(), match["number"], match["after"].strip()
    negative = False
    for sign in MINUS_SIGNS + "+":
        if before.startswith(sign) or before.endswith(sign):
            negative = sign != "+"
            before = (before[1:] if before.startswith(sign) else before[:-1]).strip()
            break
    affixes = [a for a in (before, after) if a]
    scale = Decimal(1)
    if len(affixes) > 1:
        raise invalid("Enter a number.", "number_invalid", field)
    if affixes:
        affix = affixes[0]
        if unit and affix.casefold() == unit.strip().casefold():
            pass  # the field's own unit: "€ 1,200" for a key result in €
        elif percent and affix == "%":
            scale = Decimal("0.01")
        elif unit:
            raise invalid(
                f"Enter a number in {unit.strip()}; “{affix}” is not this unit.",
                "number_unit",
                field,
            )
        elif affix == "%":
            raise invalid("Enter a plain number, without %.", "number_unit", field)
        else:
            raise invalid("Enter a number.", "number_invalid", field)
    value = Decimal(_plain_digits(written, field)) * scale
    return -value if negative else value


def _plain_digits(written: str, field: str) -> str:
    """ "1,000.5" → "1000.5"; a decimal comma or a group not of three digits is refused."""
    mantissa, exponent = EXPONENT.fullmatch(written).groups(default="")  # type: ignore[union-attr]
    separators = "," + GROUP_SPACES
    if "." in mantissa and mantissa.count(",") == 1 and mantissa.rfind(",") > mantissa.rfind("."):
        swapped = mantissa.translate(str.maketrans(",.", ".,"))
        raise invalid(
            f"Use a point for decimals and commas for thousands: {swapped}",
            "number_ambiguous",
            field,
        )
    if mantissa.count(".") > 1:
        raise invalid(
            f"Use commas for thousands and a point for decimals: {mantissa.replace('.', ',')}",
            "number_ambiguous",
            field,
        )
    whole, point, fraction = mantissa.partition(".")
    if any(c in separators for c in fraction) or (exponent and any(c in separators for c in whole)):
        raise invalid("Enter a number.", "number_invalid", field)
    if any(c in separators for c in whole) and not GROUPED.fullmatch(whole):
        if whole.count(",") == 1 and not point and all(whole.split(",")):
            raise invalid(
                f"Use a point for decimals: {whole.replace(',', '.')}", "number_ambiguous", field
            )
        raise invalid("Write thousands in groups of three: 1,000,000", "number_grouping", field)
    digits = whole.translate({ord(c): None for c in separators})
    return f"{digits}{point}{fraction}{exponent}"


def parse_weight(raw: object, field: str = "weight") -> Decimal:
    weight = parse_number(raw, field)
    if weight < 0:
        raise invalid("A weight cannot be negative.", "weight_negative", field)
    if weight > MAX_WEIGHT:
        raise invalid(f"A weight cannot be more than {MAX_WEIGHT:,}.", "weight_too_large", field)
    return weight.quantize(Decimal("0.001"))


def parse_confidence(raw: object) -> int | None:
    if raw is None or raw == "":
        return None
    value = parse_number(raw, "confidence")
    if value != value.to_integral_value() or not 0 <= value <= 10:
        raise invalid(
            "Confidence is a whole number from 0 to 10.", "confidence_range", "confidence"
        )
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
