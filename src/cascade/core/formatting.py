"""How a number reads, everywhere a person reads one: pages, audit trails, explanations, messages.

One rule (docs/decisions.md, "Numbers read one way"):

- a measured value keeps its unit and its thousands groups and loses its trailing zeros:
  ``11,580,000 €``, ``17.5 h``, ``0.000001``; the sign is an ASCII minus, so what is shown can be
  typed back (``core.numbers.parse_number`` reads all of it);
- a ratio (progress, a score, a margin) is a percentage: ``31 %``;
- a weight is a plain number: ``0.5``, ``3``.

Pure: no Django, so the progress rules, services and templates (``web/templatetags/cascade.py``)
share it. JSON numbers in the API stay numbers; only its human texts go through here.
"""

from __future__ import annotations

from decimal import Context, Decimal, InvalidOperation

PLACES = 6  # the value columns' decimal places: nothing finer is stored
NONE = "—"


def _decimal(value: Decimal | float | int | str) -> Decimal | None:
    """The value as a Decimal rounded to the stored places, or None if it is not a finite number."""
    try:
        decimal = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    if not decimal.is_finite():
        return None
    if decimal.as_tuple().exponent < -PLACES:  # type: ignore[operator]
        # Enough precision for the largest value: the default 28 digits would refuse 1e30.
        context = Context(prec=max(28, decimal.adjusted() + PLACES + 2))
        decimal = decimal.quantize(Decimal(1).scaleb(-PLACES), context=context)
    return Decimal(0) if decimal == 0 else decimal.normalize()


def number(value: Decimal | float | int | str | None, places: int = PLACES) -> str:
    """2500000.000000 → "2,500,000"; 17.50 → "17.5"; -0.25 → "-0.25"; None → "—".

    ``places`` rounds further (a rating average to 2 places: 3.256 → "3.26"), zeros still dropped.
    Text that is no number (an audit trail's old value may be a title) is shown as it is.
    """
    if value is None or isinstance(value, bool):
        return NONE
    decimal = _decimal(value)
    if decimal is None:
        return str(value)
    if places < PLACES and decimal.as_tuple().exponent < -places:  # type: ignore[operator]
        decimal = _decimal(round(decimal, places)) or decimal
    return f"{decimal:,f}"


def measure(value: Decimal | float | int | str | None, unit: str | None = "") -> str:
    """A measured value with its unit after it: "11,580,000 €", "17.5 h", "31 %"; no unit: "42"."""
    text = number(value)
    unit = (unit or "").strip()
    return f"{text} {unit}" if unit and value is not None else text


def percent(fraction: Decimal | float | str | None) -> str:
    """0.634 → "63 %"; None → "—".

    Rounded to the nearest whole percent (0.5499999999999999, a float's 55 %, shows as 55 %),
    except that what is not finished never shows as 100 %.
    """
    if isinstance(fraction, str):  # as an audit trail keeps it: "0.70"
        fraction = _decimal(fraction)
    if fraction is None:
        return NONE
    whole = round(fraction * 100)
    if whole >= 100 and fraction < 1:
        whole = 99
    return f"{whole} %"


def percent1(fraction: Decimal | float | str | None) -> str:
    """A fraction as a percentage to one decimal, trailing zero dropped: 0.1254 → "12.5 %", 0.12 → "12 %"."""
    if fraction is None:
        return NONE
    return f"{number(round(Decimal(str(fraction)) * 100, 1))} %"


def weight(value: Decimal | float | int | str | None) -> str:
    """A weight is a plain number: 0.500 → "0.5", 3.000 → "3"."""
    return number(value)
