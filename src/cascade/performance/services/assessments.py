"""Assessments: saving and submitting ratings, reopening, and refreshing the goal figures."""

from __future__ import annotations

from collections.abc import Mapping

from cascade import permissions
from cascade.audit.models import EventKind
from cascade.audit.services import record
from cascade.core import clock
from cascade.core.errors import invalid
from cascade.core.numbers import ascii_int, parse_id
from cascade.core.text import LONG_TEXT, NOTE, clean_text
from cascade.core.transactions import atomic_with_retries
from cascade.orgs.models import Member
from cascade.performance.models import Assessment, CompetencyRating, GoalRating, Phase, RatingLevel
from cascade.performance.services._snapshots import _snapshot


def _locked_assessment(actor: Member, assessment: Assessment) -> Assessment:
    permissions.require_same_organisation(actor, assessment)
    return (
        Assessment.objects.select_for_update()
        .select_related("review__cycle", "review__reviewee")
        .get(pk=assessment.pk)
    )


def _require_writer(actor: Member, assessment: Assessment) -> None:
    review = assessment.review
    permissions.require(
        permissions.can_write_assessment(
            actor, assessment.kind, review.reviewee, review.manager_id
        ),
        "Only the reviewee writes their self assessment, and their manager the manager assessment.",
    )
    if not assessment.is_open_in(review.cycle.phase):
        raise invalid(
            f"The {assessment.get_kind_display().lower()} can be written during the “{assessment.phase.label}” phase; "
            f"this cycle is in “{Phase(review.cycle.phase).label}”.",
            "wrong_phase",
        )
    if assessment.is_submitted:
        raise invalid(
            "This assessment has been submitted and is final; a super user can reopen it.",
            "assessment_submitted",
        )


def _rating(raw: object, allowed: set[int], field: str) -> int | None:
    if raw in (None, ""):
        return None
    value = ascii_int(raw.strip() if isinstance(raw, str) else raw)
    if value is None:
        raise invalid("Choose a rating from the scale.", "rating_unknown", field)
    if value not in allowed:
        raise invalid(
            f"Choose a rating from the scale ({', '.join(map(str, sorted(allowed)))}).",
            "rating_unknown",
            field,
        )
    return value


@atomic_with_retries
def save_assessment(
    *,
    actor: Member,
    assessment: Assessment,
    competency_ratings: Mapping[int, tuple[object, str]] | None = None,
    goal_ratings: Mapping[int, tuple[object, str]] | None = None,
    overall_comment: str | None = None,
    submit: bool = False,
) -> Assessment:
    """Save ratings and comments; with ``submit``, check that everything is rated and make it final.

    Ratings are keyed by the competency's id and by the goal rating's id. Goal ratings count only
    in a cycle that includes goals (``ReviewCycle.include_goals``).
    """
    assessment = _locked_assessment(actor, assessment)
    _require_writer(actor, assessment)
    cycle = assessment.review.cycle
    allowed = set(RatingLevel.objects.filter(cycle=cycle).values_list("value", flat=True))
    include_goals = cycle.include_goals
    by_competency = {
        r.competency_id: r for r in CompetencyRating.objects.filter(assessment=assessment)
    }
    by_goal = {r.pk: r for r in GoalRating.objects.filter(assessment=assessment)}
    changed_c: list[CompetencyRating] = []
    changed_g: list[GoalRating] = []
    for key, (raw, comment) in (competency_ratings or {}).items():
        row = by_competency.get(parse_id(key) or 0)
        if row is None:
            raise invalid(
                "No such competency in this review.", "not_in_review", f"competency_{key}"
            )
        row.rating = _rating(raw, allowed, f"competency_{key}")
        row.comment = clean_text(comment, f"competency_{key}_comment", max_length=NOTE)
        changed_c.append(row)
    if goal_ratings and not include_goals:
        raise invalid("This review cycle does not include goals.", "goals_not_included")
    for key, (raw, comment) in (goal_ratings or {}).items():
        goal_row = by_goal.get(parse_id(key) or 0)
        if goal_row is None:
            raise invalid("No such goal in this review.", "not_in_review", f"goal_{key}")
        goal_row.rating = _rating(raw, allowed, f"goal_{key}")
        goal_row.comment = clean_text(comment, f"goal_{key}_comment", max_length=NOTE)
        changed_g.append(goal_row)
    if overall_comment is not None:
        assessment.overall_comment = clean_text(
            overall_comment, "overall_comment", max_length=LONG_TEXT
        )
    CompetencyRating.objects.bulk_update(changed_c, ["rating", "comment"])
    GoalRating.objects.bulk_update(changed_g, ["rating", "comment"])
    if submit:
        missing = [r.competency_id for r in by_competency.values() if r.rating is None]
        if include_goals:
            missing += [r.pk for r in by_goal.values() if r.rating is None]
        if missing:
            raise invalid(
                "Rate every competency"
                + (" and every goal" if include_goals else "")
                + " before submitting.",
                "ratings_missing",
            )
        assessment.submitted_at = clock.now()
        assessment.submitted_by = actor
    assessment.save()
    record(
        organisation=assessment.organisation_id,
        actor=actor,
        kind=EventKind.ASSESSMENT_SUBMITTED if submit else EventKind.ASSESSMENT_SAVED,
        subject=assessment,
        data={"review": assessment.review_id, "kind": assessment.kind},
    )
    return assessment


@atomic_with_retries
def reopen_assessment(*, actor: Member, assessment: Assessment) -> Assessment:
    """Make a submitted assessment editable again. Super users only; audited."""
    permissions.require(
        permissions.can_manage_reviews(actor), "Only super users may reopen a submitted assessment."
    )
    assessment = _locked_assessment(actor, assessment)
    if not assessment.is_submitted:
        raise invalid("This assessment has not been submitted.", "assessment_not_submitted")
    if assessment.review.cycle.is_shared:
        raise invalid(
            "The reviews are shared: what the reviewee has read is final and cannot be reopened.",
            "reviews_shared",
        )
    submitted = assessment.submitted_at
    assessment.submitted_at = None
    assessment.submitted_by = None
    assessment.reopened_at = clock.now()
    assessment.save(update_fields=["submitted_at", "submitted_by", "reopened_at"])
    record(
        organisation=assessment.organisation_id,
        actor=actor,
        kind=EventKind.ASSESSMENT_REOPENED,
        subject=assessment,
        data={
            "review": assessment.review_id,
            "kind": assessment.kind,
            "submitted_at": str(submitted),
        },
    )
    return assessment


@atomic_with_retries
def refresh_goals_snapshot(*, actor: Member, assessment: Assessment) -> Assessment:
    """Take the goal figures afresh before submitting; ratings of goals still on the sheet stay."""
    assessment = _locked_assessment(actor, assessment)
    _require_writer(actor, assessment)
    previous = {r.item_id: r for r in GoalRating.objects.filter(assessment=assessment) if r.item_id}
    before = assessment.goals_snapshot_at
    GoalRating.objects.filter(assessment=assessment).delete()
    now = clock.now()
    _snapshot([assessment], assessment.review.cycle, now)
    kept = []
    for row in GoalRating.objects.filter(assessment=assessment):
        if row.item_id in previous:
            row.rating, row.comment = previous[row.item_id].rating, previous[row.item_id].comment
            kept.append(row)
    GoalRating.objects.bulk_update(kept, ["rating", "comment"])
    assessment.goals_snapshot_at = now
    assessment.save(update_fields=["goals_snapshot_at"])
    record(
        organisation=assessment.organisation_id,
        actor=actor,
        kind=EventKind.GOALS_SNAPSHOT_REFRESHED,
        subject=assessment,
        data={"review": assessment.review_id, "snapshot": [str(before), str(now)]},
    )
    return assessment
