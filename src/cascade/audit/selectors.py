"""Reading the audit trail."""

from cascade.audit.models import AuditEvent
from cascade.goals.models import Goal


def goal_trail(goal: Goal, limit: int = 100) -> list[AuditEvent]:
    """What happened to a goal and its parts, newest first, with who did it. One query."""
    return list(
        AuditEvent.objects.filter(goal=goal)
        .select_related("actor__user")
        .order_by("-created_at", "-id")[:limit]
    )
