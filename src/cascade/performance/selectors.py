"""Reads of performance management, each a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from cascade import permissions
from cascade.core.errors import NotFound
from cascade.core.numbers import id_or_not_found
from cascade.orgs.models import Member
from cascade.orgs.selectors import get_member
from cascade.performance.figures import ItemFigures, hide_private_titles, live_figures, totals
from cascade.performance.locks import sheet_is_locked
from cascade.performance.models import (
    Assessment,
    AssessmentKind,
    Competency,
    CompetencyRating,
    GoalRating,
    GoalSheet,
    RatingLevel,
    Review,
    ReviewCycle,
    SheetComment,
    SheetItem,
    SheetItemUpdate,
)
from cascade.progress.sheets import (
    SheetTotals,
    WeightedItem,
    overall_score,
    rated_mean,
    sheet_totals,
)


@dataclass(frozen=True)
class SheetPage:
    sheet: GoalSheet
    figures: list[ItemFigures]
    totals: SheetTotals
    locked: bool
    can_shape: bool  # add, remove and weigh items
    can_update: bool  # record values of own measures
    updates: list[SheetItemUpdate]
    comments: list[SheetComment]


# The lookups by id of both front doors: each applies what the actor may see, and answers
# anything else (another organisation's objects included) as NotFound.


def get_sheet(actor: Member, sheet_id: object) -> GoalSheet:
    sheet = (
        GoalSheet.objects.select_related("owner__user", "owner__manager", "period")
        .filter(
            organisation_id=actor.organisation_id,
            pk=id_or_not_found(sheet_id, "goal sheet"),
        )
        .first()
    )
    if sheet is None or not permissions.can_view_sheet(actor, sheet.owner):
        raise NotFound("No such goal sheet.")
    return sheet


def get_sheet_owner(actor: Member, member_id: object) -> Member:
    """A person whose goal sheets the actor may see."""
    owner = get_member(actor, member_id)
    if not permissions.can_view_sheet(actor, owner):
        raise NotFound("No such goal sheet.")
    return owner


def get_sheet_item(actor: Member, item_id: object) -> SheetItem:
    """An item of a goal sheet the actor may see."""
    item = (
        SheetItem.objects.filter(
            organisation_id=actor.organisation_id,
            pk=id_or_not_found(item_id, "goal sheet item"),
        )
        .select_related("sheet__owner")
        .first()
    )
    if item is None or not permissions.can_view_sheet(actor, item.sheet.owner):
        raise NotFound("No such goal sheet item.")
    return item


def get_review_cycle(actor: Member, cycle_id: object) -> ReviewCycle:
    """A review cycle of the actor's organisation: super users only, refused (403) before the
    lookup, so that ids tell nothing."""
    permissions.require(permissions.can_manage_reviews(actor), permissions.REVIEW_ADMINS_ONLY)
    cycle = (
        cycles(actor)
        .select_related("period", "created_by__user")
        .filter(pk=id_or_not_found(cycle_id, "review cycle"))
        .first()
    )
    if cycle is None:
        raise NotFound("No such review cycle.")
    return cycle


def sheet_page(actor: Member, sheet: GoalSheet) -> SheetPage:
    items = list(sheet.items.all())
    figures = live_figures(items, viewer=actor)
    locked = sheet_is_locked(sheet)
    return SheetPage(
        sheet=sheet,
        figures=figures,
        totals=totals(figures),
        locked=locked,
        can_shape=not locked and permissions.can_edit_sheet(actor, sheet.owner),
        can_update=permissions.can_update_sheet_values(actor, sheet.owner),
        updates=list(
            SheetItemUpdate.objects.filter(item__sheet=sheet)
            .select_related("item", "author__user")
            .order_by("-created_at")[:30]
        ),
        comments=list(
            SheetComment.objects.filter(sheet=sheet)
            .select_related("author__user")
            .order_by("created_at")
        ),
    )


@dataclass(frozen=True)
class Scores:
    competencies: float | None
    goals: float | None
    overall: float | None


@dataclass(frozen=True)
class AssessmentView:
    assessment: Assessment
    competency_ratings: list[CompetencyRating]
    goal_ratings: list[GoalRating]
    goal_totals: SheetTotals  # of the snapshot: total target value and achieved
    scores: Scores
    writable: bool


@dataclass(frozen=True)
class ReviewPage:
    review: Review
    cycle: ReviewCycle
    include_goals: bool
    scale: list[RatingLevel]
    competencies: list[Competency]
    self_assessment: AssessmentView | None
    manager_assessment: AssessmentView | None
    manager_assessment_hidden: bool  # exists but the reviewee may not see it yet
    can_manage: bool


def scores(
    cycle: ReviewCycle,
    competency_ratings: list[CompetencyRating],
    goal_ratings: list[GoalRating],
    include_goals: bool,
) -> Scores:
    competencies = rated_mean((r.rating, 1.0) for r in competency_ratings)
    goals = rated_mean((r.rating, float(r.weight)) for r in goal_ratings) if include_goals else None
    overall = overall_score(
        competencies,
        goals,
        goals_count=include_goals and any(r.weight > 0 for r in goal_ratings),
        goals_weight=float(cycle.goals_weight),
        competencies_weight=float(cycle.competencies_weight),
    )
    return Scores(competencies, goals, overall)


def get_review(actor: Member, review_id: object) -> Review:
    review = (
        Review.objects.select_related("cycle__period", "reviewee__user", "manager__user")
        .filter(
            organisation_id=actor.organisation_id,
            pk=id_or_not_found(review_id, "review"),
        )
        .first()
    )
    if review is None or not permissions.can_view_review(actor, review.reviewee, review.manager_id):
        raise NotFound("No such review.")
    return review


def get_assessment(
    actor: Member, assessment_id: object, review: Review | None = None
) -> Assessment:
    """An assessment the actor may see, exactly as ``review_page`` shows it (of ``review``, when
    given): a hidden one is NotFound like a missing one."""
    assessment = (
        Assessment.objects.select_related(
            "review__cycle__period", "review__reviewee__user", "review__manager__user"
        )
        .filter(
            organisation_id=actor.organisation_id,
            pk=id_or_not_found(assessment_id, "assessment"),
        )
        .first()
    )
    if (
        assessment is None
        or (review is not None and assessment.review_id != review.pk)
        or not permissions.can_view_review(
            actor, assessment.review.reviewee, assessment.review.manager_id
        )
        or not permissions.can_view_assessment(actor, assessment.review, assessment)
    ):
        raise NotFound("No such assessment.")
    return assessment


def review_page(actor: Member, review: Review) -> ReviewPage:
    """A review as the actor may see it. Six queries."""
    cycle = review.cycle
    include_goals = cycle.include_goals  # the setting the cycle started with
    assessments = {
        a.kind: a
        for a in Assessment.objects.filter(review=review).select_related("submitted_by__user")
    }
    ratings = list(
        CompetencyRating.objects.filter(assessment__review=review).select_related("competency")
    )
    goal_ratings = list(GoalRating.objects.filter(assessment__review=review))
    hide_private_titles(actor, goal_ratings)

    def view(kind: AssessmentKind) -> AssessmentView | None:
        assessment = assessments.get(kind)
        if assessment is None or not permissions.can_view_assessment(actor, review, assessment):
            return None
        mine_c = [r for r in ratings if r.assessment_id == assessment.pk]
        mine_g = [r for r in goal_ratings if r.assessment_id == assessment.pk]
        writable = (
            assessment.is_open_in(cycle.phase)
            and not assessment.is_submitted
            and permissions.can_write_assessment(actor, kind, review.reviewee, review.manager_id)
        )
        snapshot_totals = sheet_totals(WeightedItem(float(r.weight), r.progress) for r in mine_g)
        return AssessmentView(
            assessment,
            mine_c,
            mine_g,
            snapshot_totals,
            scores(cycle, mine_c, mine_g, include_goals),
            writable,
        )

    manager_view = view(AssessmentKind.MANAGER)
    return ReviewPage(
        review=review,
        cycle=cycle,
        include_goals=include_goals,
        scale=list(RatingLevel.objects.filter(cycle=cycle)),
        competencies=list(Competency.objects.filter(cycle=cycle)),
        self_assessment=view(AssessmentKind.SELF),
        manager_assessment=manager_view,
        manager_assessment_hidden=AssessmentKind.MANAGER in assessments and manager_view is None,
        can_manage=permissions.can_manage_reviews(actor),
    )


def reviews_for(actor: Member) -> QuerySet[Review]:
    """The reviews the actor takes part in: as reviewee or as reviewer."""
    return (
        Review.objects.filter(organisation_id=actor.organisation_id)
        .filter(Q(reviewee=actor) | Q(manager=actor))
        .select_related("cycle", "reviewee__user", "manager__user")
        .order_by("-cycle__created_at", "reviewee__user__full_name")
    )


def reviews_of(actor: Member, reviewee: Member) -> QuerySet[Review]:
    """One person's reviews as the actor may see them: all of them for the person themselves,
    their managers at any level and super users (as ``can_view_review`` says); else only those
    the actor writes (as a former manager)."""
    reviews = Review.objects.filter(organisation_id=actor.organisation_id, reviewee=reviewee)
    if permissions.can_view_review(actor, reviewee, None):
        return reviews.select_related("cycle", "reviewee__user", "manager__user")
    return reviews_for(actor).filter(reviewee=reviewee)


def cycles(actor: Member) -> QuerySet[ReviewCycle]:
    return ReviewCycle.objects.filter(organisation_id=actor.organisation_id).select_related(
        "period"
    )
