"""When a goal sheet stops changing."""

from cascade.performance.models import GoalSheet, Phase, ReviewCycle


def sheet_is_locked(sheet: GoalSheet) -> bool:
    """Weights are fixed once a review cycle of the sheet's period has left planning."""
    return (
        ReviewCycle.objects.filter(organisation_id=sheet.organisation_id, period_id=sheet.period_id)
        .exclude(phase=Phase.PLANNING)
        .exists()
    )
