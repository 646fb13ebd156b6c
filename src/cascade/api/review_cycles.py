"""``/review-cycles``: performance review rounds, run by super users.

A cycle reviews a period: each participant gets a review, written by themselves (the self
assessment) and by their manager (the manager assessment), rating the cycle's competencies on
its scale, and, when the organisation includes goals in reviews, the goals of their goal sheet.
A super user moves the cycle through its phases, one step at a time: planning → self assessment
→ manager assessment → calibration → shared → closed. The dates are the plan, shown to all.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from django.db.models import Count, Q
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import Strict, StringConstraints

from cascade import permissions
from cascade.api.auth import actor
from cascade.api.errors import errors, not_found
from cascade.api.fields import STORABLE, BodyId, Day, Id, Margin, Name
from cascade.api.pagination import PageParams, page, page_of
from cascade.api.performance_out import (
    ParticipationName,
    ReviewCycleDetailOut,
    ReviewCyclePage,
    ReviewSummaryPage,
    review_cycle,
    review_cycle_detail,
    review_summary,
)
from cascade.orgs import selectors as org_selectors
from cascade.orgs.models import Member, Team
from cascade.performance import selectors, services
from cascade.performance.models import AssessmentKind, Competency, RatingLevel, Review

router = Router(tags=["review cycles"])

Description = Annotated[str, StringConstraints(max_length=2000), STORABLE]
Label = Annotated[str, StringConstraints(max_length=60), STORABLE]
RatingValue = Annotated[
    int, Strict(), Field(ge=0, le=100, description="A whole number from 0 to 100.")
]


class CompetencyIn(Schema):
    model_config = {"extra": "forbid"}

    name: Name
    description: Description = ""


class RatingLevelIn(Schema):
    model_config = {"extra": "forbid"}

    value: RatingValue
    label: Label


class ReviewCycleIn(Schema):
    model_config = {"extra": "forbid"}

    name: Name
    period: BodyId
    competencies: Annotated[list[CompetencyIn], Field(max_length=100)]
    scale: Annotated[list[RatingLevelIn], Field(max_length=100)]
    participation: ParticipationName = "everyone"
    teams: Annotated[list[BodyId], Field(max_length=500)] = []
    people: Annotated[list[BodyId], Field(max_length=10_000)] = []
    goals_weight: Margin = Decimal("0.5")
    competencies_weight: Margin = Decimal("0.5")
    self_assessment_starts: Day | None = None
    manager_assessment_starts: Day | None = None
    calibration_starts: Day | None = None
    shared_starts: Day | None = None
    closes: Day | None = None


class ReviewCyclePatch(Schema):
    model_config = {"extra": "forbid"}

    goals_weight: Margin | None = None
    competencies_weight: Margin | None = None


def cycle_out(me: Member, cycle_id: int) -> dict[str, Any]:
    cycle = selectors.get_review_cycle(me, cycle_id)
    counts = Review.objects.filter(cycle=cycle).aggregate(
        count=Count("id", distinct=True),
        self_submitted=_submitted(AssessmentKind.SELF),
        manager_submitted=_submitted(AssessmentKind.MANAGER),
    )
    return review_cycle_detail(
        cycle,
        Competency.objects.filter(cycle=cycle),
        RatingLevel.objects.filter(cycle=cycle),
        counts,
    )


def _submitted(kind: AssessmentKind) -> Count:
    return Count(
        "assessments",
        filter=Q(assessments__kind=kind, assessments__submitted_at__isnull=False),
        distinct=True,
    )


def _all_found[T: (Member, Team)](
    model: type[T], me: Member, ids: list[int], field: str, message: str
) -> list[T]:
    """The objects of these ids in the caller's organisation, in one query; else 404 naming ``field``."""
    found = list(model.objects.filter(organisation_id=me.organisation_id, pk__in=set(ids)))
    if len(found) != len(set(ids)):
        raise not_found(message, field)
    return found


@router.get("/review-cycles", response={200: ReviewCyclePage, **errors(400, 401, 403)})
def list_review_cycles(request: HttpRequest, paging: Query[PageParams]) -> dict[str, Any]:
    """The organisation's review cycles, newest first (super users)."""
    me = actor(request)
    permissions.require(permissions.can_manage_reviews(me), services.SUPER_USERS_ONLY)
    cycles = selectors.cycles(me).select_related("period", "created_by__user")
    objects, meta = page_of(cycles.order_by("-created_at", "-id"), paging)
    return page([review_cycle(c) for c in objects], meta)


@router.post("/review-cycles", response={201: ReviewCycleDetailOut, **errors(400, 401, 403, 404)})
def create_review_cycle(request: HttpRequest, payload: ReviewCycleIn) -> Status:
    """A new review cycle, in planning (super users): a review for each participant (everyone,
    the members of `teams`, or the chosen `people`), assessed by their manager. `scale` needs
    two levels or more; the split `goals_weight` + `competencies_weight` must add up to 1; the
    planned dates, where given, follow each other."""
    me = actor(request)
    cycle = services.create_review_cycle(
        actor=me,
        name=payload.name,
        period=org_selectors.get_period(me, payload.period, "period"),
        competencies=[(c.name, c.description) for c in payload.competencies],
        scale=[(level.value, level.label) for level in payload.scale],
        participation=payload.participation,
        teams=_all_found(Team, me, payload.teams, "teams", "No such team."),
        people=_all_found(Member, me, payload.people, "people", "No such member."),
        goals_weight=payload.goals_weight,
        competencies_weight=payload.competencies_weight,
        self_assessment_starts=payload.self_assessment_starts,
        manager_assessment_starts=payload.manager_assessment_starts,
        calibration_starts=payload.calibration_starts,
        shared_starts=payload.shared_starts,
        closes=payload.closes,
    )
    return Status(201, cycle_out(me, cycle.pk))


@router.get(
    "/review-cycles/{cycle_id}", response={200: ReviewCycleDetailOut, **errors(400, 401, 403, 404)}
)
def get_review_cycle(request: HttpRequest, cycle_id: Id) -> dict[str, Any]:
    """A review cycle with its phase, planned dates, score split, competencies, rating scale and
    how many assessments are in (super users)."""
    return cycle_out(actor(request), cycle_id)


@router.patch(
    "/review-cycles/{cycle_id}", response={200: ReviewCycleDetailOut, **errors(400, 401, 403, 404)}
)
def patch_review_cycle(
    request: HttpRequest, cycle_id: Id, payload: ReviewCyclePatch
) -> dict[str, Any]:
    """Change the score split (super users, until the reviews are shared): the weights of goals
    and competencies in the overall score, which must add up to 1. A weight not sent keeps its
    value."""
    me = actor(request)
    cycle = selectors.get_review_cycle(me, cycle_id)
    sent = payload.model_fields_set
    if {"goals_weight", "competencies_weight"} & sent:
        services.change_review_split(
            actor=me,
            cycle=cycle,
            goals_weight=(
                cycle.goals_weight if payload.goals_weight is None else payload.goals_weight
            ),
            competencies_weight=(
                cycle.competencies_weight
                if payload.competencies_weight is None
                else payload.competencies_weight
            ),
        )
    return cycle_out(me, cycle.pk)


@router.post(
    "/review-cycles/{cycle_id}/advance",
    response={200: ReviewCycleDetailOut, **errors(400, 401, 403, 404)},
)
def advance_review_cycle(request: HttpRequest, cycle_id: Id) -> dict[str, Any]:
    """Move the cycle to its next phase (`next_phase`; super users). Opening the self and the
    manager assessment phases creates those assessments, each with a snapshot of the
    reviewee's goal sheet. A closed cycle goes no further (400)."""
    me = actor(request)
    cycle = services.advance_phase(actor=me, cycle=selectors.get_review_cycle(me, cycle_id))
    return cycle_out(me, cycle.pk)


@router.get(
    "/review-cycles/{cycle_id}/reviews",
    response={200: ReviewSummaryPage, **errors(400, 401, 403, 404)},
)
def list_cycle_reviews(
    request: HttpRequest, cycle_id: Id, paging: Query[PageParams]
) -> dict[str, Any]:
    """Every review of the cycle, by the reviewee's name, with its assessments (super users). A
    self assessment shows once submitted: until then it is the reviewee's own."""
    me = actor(request)
    cycle = selectors.get_review_cycle(me, cycle_id)
    reviews = (
        Review.objects.filter(cycle=cycle)
        .select_related("cycle__period", "reviewee__user", "manager__user")
        .prefetch_related("assessments")
        .order_by("reviewee__user__full_name", "id")
    )
    objects, meta = page_of(reviews, paging)
    return page([review_summary(me, r) for r in objects], meta)
