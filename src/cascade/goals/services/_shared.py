"""What the goal services share: the owner's rule, the audit form of a value, the contributor test."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from cascade.goals.models import Contribution, Goal, KeyResult, State

OWNER_ONLY = "Only the goal's owner or a super user may change this goal and its key results."


def _plain(value: Any) -> Any:
    """A JSON-ready form of a field value, for the audit trail."""
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, date | Decimal):
        return str(value)
    return value


def _has_contributors(
    goal: Goal, *, except_key_result: int | None = None, except_link: int | None = None
) -> bool:
    """Does the goal have a KR or a (non-archived) contributing goal, leaving one out?"""
    krs = KeyResult.objects.filter(goal=goal)
    links = Contribution.objects.filter(senior=goal).exclude(junior__state=State.ARCHIVED)
    if except_key_result is not None:
        krs = krs.exclude(pk=except_key_result)
    if except_link is not None:
        links = links.exclude(pk=except_link)
    return krs.exists() or links.exists()
