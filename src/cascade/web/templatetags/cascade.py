"""Template helpers for showing figures the same way everywhere."""

from decimal import Decimal
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from cascade.progress import KeyResultValues, Status, progress

register = template.Library()

STATUS_LABELS = {status.value: status.label for status in Status}


@register.filter
def percent(value: float | None) -> str:
    """0.634 → "63 %"; None → "—".

    Rounded to the nearest whole percent (0.5499999999999999, a float's 55 %, shows as 55 %),
    except that what is not finished never shows as 100 %.
    """
    if value is None:
        return "—"
    whole = round(value * 100)
    if whole >= 100 and value < 1:
        whole = 99
    return f"{whole} %"


@register.filter
def pct1(value: float | None) -> str:
    """A fraction as a percentage with one decimal: 0.1254 → "12.5 %"."""
    return "—" if value is None else f"{value * 100:.1f} %"


@register.filter
def number(value: Decimal | float | int | None) -> str:
    """A measured value without trailing zeros, with thousands separators: 2500000.000000 → 2,500,000."""
    if value is None:
        return "—"
    decimal = Decimal(str(value)).normalize()
    if decimal == decimal.to_integral_value():
        return f"{int(decimal):,}"
    return f"{decimal:,f}"


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key) if mapping else None


@register.filter
def kr_progress(values: KeyResultValues) -> float:
    return progress(values)


@register.filter
def status_label(value: str | None) -> str:
    return STATUS_LABELS.get(str(value), "") if value else ""


@register.simple_tag
def status_badge(status: Any, state: str = "active") -> str:
    """On track / at risk / off track. Goals that are not active have no status to show."""
    if status:
        return format_html(
            '<span class="status status-{}">{}</span>', status, STATUS_LABELS[str(status)]
        )
    if state != "active":
        return ""
    return mark_safe('<span class="badge" title="No progress yet">No data</span>')


@register.simple_tag
def progress_bar(progress: float | None, expected: float | None = None, big: bool = False) -> str:
    """A bar with the progress and, as a thin mark, what is expected by now.

    Drawn in SVG: its lengths are attributes, where an HTML bar would need a ``style`` attribute,
    which the Content-Security-Policy refuses.
    """
    width = 0 if progress is None else round(min(max(progress, 0.0), 1.0) * 100, 1)
    mark = (
        ""
        if expected is None
        else format_html(
            '<line class="expected" x1="{0}" x2="{0}" y1="0" y2="1"><title>Expected by now: {1}</title></line>',
            round(min(max(expected, 0.0), 1.0) * 100, 1),
            percent(expected),
        )
    )
    return format_html(
        '<span class="progress"><span class="bar{}" role="img" aria-label="Progress {}">'
        '<svg viewBox="0 0 100 1" preserveAspectRatio="none" focusable="false">'
        '<rect width="{}" height="1"></rect>{}</svg></span>{}</span>',
        " big" if big else "",
        percent(progress),
        width,
        mark,
        "" if big else format_html(" {}", percent(progress)),
    )


# Indents deeper than this are drawn at this depth (cascade.css has one rule per level).
MAX_INDENT = 12


@register.filter
def depth(value: int) -> int:
    """A tree row's depth for its ``data-depth`` indent, capped at the deepest styled level."""
    return min(max(int(value), 0), MAX_INDENT)
