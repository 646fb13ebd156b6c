"""Template helpers for showing figures the same way everywhere."""

from decimal import Decimal
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from cascade.core import formatting
from cascade.progress import KeyResultValues, Status, progress

register = template.Library()

STATUS_LABELS = {status.value: status.label for status in Status}


# The formatting rules live in core.formatting (one home); these are their template names.
register.filter("percent", formatting.percent)
register.filter("pct1", formatting.percent1)
register.filter("number", formatting.number)
register.filter("weight", formatting.weight)


@register.filter
def measure(value: Decimal | float | int | None, unit: str | None = "") -> str:
    """``{{ kr.target|measure:kr.unit }}`` → "11,580,000 €"."""
    return formatting.measure(value, unit)


@register.filter
def changes(diff: dict[str, Any]) -> list[str]:
    """An audit event's ``{field: [before, after]}`` as "target 0 → 5 €", numbers formatted."""
    unit = ""
    if isinstance(diff.get("unit"), list) and len(diff["unit"]) == 2:
        unit = diff["unit"][1] or ""
    lines = []
    for name, change in diff.items():
        if not (isinstance(change, list) and len(change) == 2):
            continue
        label = name.replace("_", " ")
        if name in ("start", "target", "current"):
            before, after = (formatting.measure(v, unit) for v in change)
        elif name in ("weight", "goals_weight", "competencies_weight"):
            before, after = (formatting.weight(v) for v in change)
        elif name in ("score", "at_risk_margin", "off_track_margin"):
            before, after = (formatting.percent(_fraction(v)) for v in change)
        elif name in ("title", "unit", "kind", "direction", "state", "visibility"):
            before, after = (f"“{v}”" if v else "none" for v in change)
        else:
            lines.append(label)
            continue
        lines.append(f"{label} {before} → {after}")
    return lines


def _fraction(value: Any) -> Decimal | None:
    try:
        return None if value is None else Decimal(str(value))
    except ArithmeticError:
        return None


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
            formatting.percent(expected),
        )
    )
    return format_html(
        '<span class="progress"><span class="bar{}" role="img" aria-label="Progress {}">'
        '<svg viewBox="0 0 100 1" preserveAspectRatio="none" focusable="false">'
        '<rect width="{}" height="1"></rect>{}</svg></span>{}</span>',
        " big" if big else "",
        formatting.percent(progress),
        width,
        mark,
        "" if big else format_html(" {}", formatting.percent(progress)),
    )


# Indents deeper than this are drawn at this depth (cascade.css has one rule per level).
MAX_INDENT = 12


@register.filter
def depth(value: int) -> int:
    """A tree row's depth for its ``data-depth`` indent, capped at the deepest styled level."""
    return min(max(int(value), 0), MAX_INDENT)
