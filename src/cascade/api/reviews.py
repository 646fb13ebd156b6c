"""``/reviews`` and ``/assessments``: reviews as the caller may see them, and writing assessments.

The reviewee writes the self assessment during the self assessment phase, their manager the
manager assessment during the manager assessment phase. A draft self assessment is the
reviewee's own; the reviewee sees the manager's assessment once the review is shared; managers
higher up and super users see the rest. What the caller may not see is 404 here, as everywhere.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from pydantic import Strict

from cascade import permissions
from cascade.api.auth import actor
from cascade.api.errors import errors, not_found
from cascade.api.fields import BodyId, Id, LongText, Note
from cascade.api.pagination import PageParams, page, page_of
from cascade.api.performance_out import (
    AssessmentOut,
    ReviewOut,
    ReviewSummaryPage,
    assessment,
    review,
    review_summary,
)
from cascade.core.errors import by_field, combine
from cascade.orgs import selectors as org_selectors
from cascade.orgs.models import Member
from cascade.performance import selectors, services
from cascade.performance.selectors import AssessmentView, ReviewPage

router = Router(tags=["reviews"])

Rating = Annotated[
    int,
    Strict(),
    Field(ge=0, le=100, description="A value of the cycle's rating scale; null clears it."),
]


class ReviewFilters(Schema):
    cycle: Id | None = None
    role: Literal["reviewee", "reviewer"] | None = None
    reviewee: Id | None = None


class CompetencyRatingIn(Schema):
    model_config = {"extra": "forbid"}

    competency: BodyId
    rating: Rating | None = None
    comment: Note | None = None


class GoalRatingIn(Schema):
    model_config = {"extra": "forbid"}

    goal_rating: BodyId = Field(description="The id of a rating in the assessment's `goals`.")
    rating: Rating | None = None
    comment: Note | None = None


class AssessmentPatch(Schema):
    model_config = {"extra": "forbid"}

    competency_ratings: Annotated[list[CompetencyRatingIn], Field(max_length=500)] = []
    goal_ratings: Annotated[list[GoalRatingIn], Field(max_length=500)] = []
    overall_comment: LongText | None = None


def _view(page_: ReviewPage, assessment_id: int) -> AssessmentView | None:
    for view in (page_.self_assessment, page_.manager_assessment):
        if view is not None and view.assessment.pk == assessment_id:
            return view
    return None


def assessment_for(me: Member, assessment_id: int) -> tuple[ReviewPage, AssessmentView]:
    """An assessment the caller may see (``selectors.get_assessment``), with its review's page
    exactly as ``GET /reviews/{id}`` shows it."""
    assessment = selectors.get_assessment(me, assessment_id)
    page_ = selectors.review_page(me, assessment.review)
    view = _view(page_, assessment.pk)
    assert view is not None  # the page shows what permissions.can_view_assessment lets through
    return page_, view


def written(me: Member, review_id: int, assessment_id: int) -> dict[str, Any]:
    """An assessment just written, as it now stands. Reopening a self assessment makes it a draft
    again, which only the reviewee sees; the super user who reopened it is answered with it all
    the same (read-only for them), like any write that hides its object from its writer."""
    the_review = selectors.get_review(me, review_id)
    page_ = selectors.review_page(me, the_review)
    view = _view(page_, assessment_id)
    if view is None:
        reviewee_page = selectors.review_page(the_review.reviewee, the_review)
        hidden = _view(reviewee_page, assessment_id)
        assert hidden is not None  # the reviewee sees their own self assessment
        view = AssessmentView(
            hidden.assessment,
            hidden.competency_ratings,
            hidden.goal_ratings,
            hidden.goal_totals,
            hidden.scores,
            writable=False,
        )
    return assessment(view, page_.include_goals)


def _renamed(error: ValidationError, names: dict[str, str]) -> ValidationError:
    """The service names ratings ``competency_12`` and ``goal_7``; the request, by position."""
    if not hasattr(error, "error_dict"):
        return error
    return combine({names.get(field, field): refused for field, refused in by_field(error).items()})


@router.get("/reviews", response={200: ReviewSummaryPage, **errors(400, 401, 404)})
def list_reviews(
    request: HttpRequest, filters: Query[ReviewFilters], paging: Query[PageParams]
) -> dict[str, Any]:
    """Your reviews: yours as the reviewee and the ones you write as the reviewer, newest cycle
    first. `cycle` keeps one cycle's, `role` one side (`reviewee` or `reviewer`). `reviewee`
    lists one person's reviews instead: all of them for their managers at any level (and super
    users), else the ones you write. Super users see every review of a cycle at
    `GET /review-cycles/{id}/reviews`."""
    me = actor(request)
    above: frozenset[int] = frozenset()
    if filters.reviewee is not None:
        reviewee = org_selectors.get_member(me, filters.reviewee, "reviewee")
        reviews = selectors.reviews_of(me, reviewee)
        if reviewee.pk != me.pk and permissions.manages(me, reviewee):
            above = frozenset({reviewee.pk})  # walked once, not once per review
    else:
        reviews = selectors.reviews_for(me)
    reviews = reviews.select_related("cycle__period").prefetch_related("assessments")
    if filters.cycle is not None:
        reviews = reviews.filter(cycle_id=filters.cycle)
    if filters.role == "reviewee":
        reviews = reviews.filter(reviewee=me)
    elif filters.role == "reviewer":
        reviews = reviews.filter(Q(manager=me) & ~Q(reviewee=me))
    reviews = reviews.order_by("-cycle__created_at", "-cycle_id", "reviewee__user__full_name", "id")
    objects, meta = page_of(reviews, paging)
    return page([review_summary(me, r, above) for r in objects], meta)


@router.get("/reviews/{review_id}", response={200: ReviewOut, **errors(400, 401, 404)})
def get_review(request: HttpRequest, review_id: Id) -> dict[str, Any]:
    """A review as you may see it: the competencies and the scale, and each assessment you may
    see with its competency ratings, its goals column (the reviewee's goal sheet as snapshotted,
    when the organisation includes goals in reviews) and its scores. The reviewee, their
    managers and super users see a review; others get 404."""
    me = actor(request)
    return review(selectors.review_page(me, selectors.get_review(me, review_id)))


@router.patch(
    "/assessments/{assessment_id}", response={200: AssessmentOut, **errors(400, 401, 403, 404)}
)
def patch_assessment(
    request: HttpRequest, assessment_id: Id, payload: AssessmentPatch
) -> dict[str, Any]:
    """Rate and comment, as a draft (the reviewee their self assessment, the manager theirs; in
    its phase, until submitted). Each rating names its `competency`, or its `goal_rating` (an id
    from the assessment's `goals`); a `rating` or `comment` not sent keeps its value, `null`
    clears it. Goals are rated only while the organisation includes goals in reviews."""
    me = actor(request)
    page_, view = assessment_for(me, assessment_id)
    competencies = {r.competency_id: r for r in view.competency_ratings}
    goals = {r.pk: r for r in view.goal_ratings}
    names: dict[str, str] = {}
    competency_ratings: dict[int, tuple[object, str]] = {}
    for i, entry in enumerate(payload.competency_ratings):
        current = competencies.get(entry.competency)
        if current is None:
            raise not_found(
                "No such competency in this review.", f"competency_ratings.{i}.competency"
            )
        competency_ratings[entry.competency] = _merged(entry, current.rating, current.comment)
        names[f"competency_{entry.competency}"] = f"competency_ratings.{i}.rating"
        names[f"competency_{entry.competency}_comment"] = f"competency_ratings.{i}.comment"
    goal_ratings: dict[int, tuple[object, str]] = {}
    for i, goal_entry in enumerate(payload.goal_ratings):
        goal = goals.get(goal_entry.goal_rating)
        if goal is None:
            raise not_found("No such goal in this review.", f"goal_ratings.{i}.goal_rating")
        goal_ratings[goal_entry.goal_rating] = _merged(goal_entry, goal.rating, goal.comment)
        names[f"goal_{goal_entry.goal_rating}"] = f"goal_ratings.{i}.rating"
        names[f"goal_{goal_entry.goal_rating}_comment"] = f"goal_ratings.{i}.comment"
    try:
        services.save_assessment(
            actor=me,
            assessment=view.assessment,
            competency_ratings=competency_ratings,
            goal_ratings=goal_ratings or None,
            overall_comment=payload.overall_comment
            if "overall_comment" in payload.model_fields_set
            else None,
        )
    except ValidationError as error:
        raise _renamed(error, names) from None
    return written(me, page_.review.pk, assessment_id)


def _merged(
    entry: CompetencyRatingIn | GoalRatingIn, rating: int | None, comment: str
) -> tuple[object, str]:
    """The rating and comment to save: those sent, else the current ones (null clears)."""
    sent = entry.model_fields_set
    return (
        entry.rating if "rating" in sent else rating,
        (entry.comment or "") if "comment" in sent else comment,
    )


@router.post(
    "/assessments/{assessment_id}/submit",
    response={200: AssessmentOut, **errors(400, 401, 403, 404)},
)
def submit_assessment(request: HttpRequest, assessment_id: Id) -> dict[str, Any]:
    """Submit the assessment: every competency (and, with goals included, every goal) must be
    rated. Submitted assessments are final; a super user may reopen one."""
    me = actor(request)
    page_, view = assessment_for(me, assessment_id)
    services.save_assessment(actor=me, assessment=view.assessment, submit=True)
    return written(me, page_.review.pk, assessment_id)


@router.post(
    "/assessments/{assessment_id}/reopen",
    response={200: AssessmentOut, **errors(400, 401, 403, 404)},
)
def reopen_assessment(request: HttpRequest, assessment_id: Id) -> dict[str, Any]:
    """Make a submitted assessment a draft again (super users, until the reviews are shared; audited)."""
    me = actor(request)
    page_, view = assessment_for(me, assessment_id)
    services.reopen_assessment(actor=me, assessment=view.assessment)
    return written(me, page_.review.pk, assessment_id)


@router.post(
    "/assessments/{assessment_id}/refresh-goals",
    response={200: AssessmentOut, **errors(400, 401, 403, 404)},
)
def refresh_assessment_goals(request: HttpRequest, assessment_id: Id) -> dict[str, Any]:
    """Take the reviewee's goal figures as they are today, instead of the snapshot from the
    phase's opening (its writer, before submitting; recorded in the audit trail). Ratings and
    comments of goals still on the sheet are kept."""
    me = actor(request)
    page_, view = assessment_for(me, assessment_id)
    services.refresh_goals_snapshot(actor=me, assessment=view.assessment)
    return written(me, page_.review.pk, assessment_id)
