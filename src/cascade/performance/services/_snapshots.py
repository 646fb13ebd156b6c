"""The goal figures of a reviewee's sheet, copied into their assessments."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from cascade.performance.figures import live_figures
from cascade.performance.models import Assessment, GoalRating, ReviewCycle, SheetItem


def _snapshot(assessments: Iterable[Assessment], cycle: ReviewCycle, at: object) -> None:
    """Copy each reviewee's sheet, as it stands now, into their assessments' goal ratings."""
    assessments = list(assessments)
    owners = {a.review.reviewee_id for a in assessments}
    items_by_owner: dict[int, list[SheetItem]] = defaultdict(list)
    items = list(
        SheetItem.objects.filter(
            sheet__owner_id__in=owners, sheet__period_id=cycle.period_id
        ).select_related("sheet")
    )
    for item in items:
        items_by_owner[item.sheet.owner_id].append(item)
    figures = {f.item.pk: f for f in live_figures(items)}
    ratings = []
    for assessment in assessments:
        for position, item in enumerate(items_by_owner[assessment.review.reviewee_id]):
            f = figures[item.pk]
            ratings.append(
                GoalRating(
                    organisation_id=cycle.organisation_id,
                    assessment=assessment,
                    item=item,
                    goal_id=f.goal_id,
                    title=f.title[:200],
                    weight=item.weight,
                    progress=f.progress,
                    achieved=f.achieved,
                    position=position,
                )
            )
    GoalRating.objects.bulk_create(ratings)
