"""What the performance endpoints answer with: goal sheets, review cycles, reviews, assessments.

The shapes (``…Out``) and the functions that fill them from the performance selectors. As in
``presenters.py``, nothing here queries the database: the routers load everything in batch.

Numbers as everywhere in the API: weights and values are JSON numbers, progress and `percent`
are fractions from 0 to 1 (or null while nothing counts). Ratings and scores are on the review
cycle's rating scale (1 to 5, say), not fractions.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, Literal

from ninja import Field, Schema

from cascade import permissions
from cascade.api.pagination import Page
from cascade.api.presenters import member_ref, number, period_ref
from cascade.api.schemas import MemberRef, PeriodRef
from cascade.orgs.models import Member
from cascade.performance.figures import ItemFigures
from cascade.performance.models import (
    PHASES,
    Competency,
    RatingLevel,
    Review,
    ReviewCycle,
    SheetComment,
    SheetItemUpdate,
)
from cascade.performance.selectors import AssessmentView, ReviewPage, SheetPage
from cascade.progress.sheets import SheetTotals

ItemKindName = Literal["measure", "key_result", "goal"]
PhaseName = Literal[
    "planning", "self_assessment", "manager_assessment", "calibration", "shared", "closed"
]
ParticipationName = Literal["everyone", "teams", "people"]
AssessmentKindName = Literal["self", "manager"]


# --------------------------------------------------------------------------- goal sheets


class SheetItemOut(Schema):
    id: int
    sheet: int
    kind: ItemKindName = Field(
        description="`measure`: its own start → target; `key_result`, `goal`: a live link."
    )
    title: str = Field(description="A link shows the current title of what it links to.")
    weight: float = Field(description="From 0 to 1000; the weights add up to the total target.")
    progress: float | None = Field(
        description="From 0 to 1, live; null while nothing counts (a draft goal, no values yet)."
    )
    achieved: float = Field(description="weight × progress: this item's part of the total.")
    source: str = Field(description="Where the progress comes from, for people to read.")
    unit: str
    start: float | None = Field(description="Own measures only; null for links.")
    target: float | None = Field(description="Own measures only; null for links.")
    current: float | None = Field(description="Own measures: the latest value, if any.")
    key_result: int | None = Field(
        description="The linked key result's id (`key_result` items); null when its goal is "
        "private to you (the title then reads so, the numbers stay)."
    )
    goal: int | None = Field(
        description="The linked goal's id (`goal` items); null when it is private to you."
    )
    created_at: datetime


class SheetTotalsOut(Schema):
    total_target: float = Field(description="The sum of the weights.")
    achieved: float = Field(description="Σ weight × progress.")
    percent: float | None = Field(
        description="achieved / total_target as a fraction, like all shares in the API "
        "(0.515 is 51.5 %); null when the sheet has no weight."
    )


class SheetCommentOut(Schema):
    id: int
    sheet: int
    author: MemberRef | None
    body: str
    created_at: datetime


class SheetUpdateOut(Schema):
    id: int
    item: int
    value: float
    note: str
    author: MemberRef | None
    created_at: datetime


class SheetUpdatePage(Page):
    items: list[SheetUpdateOut]


class GoalSheetOut(Schema):
    id: int
    owner: MemberRef
    period: PeriodRef
    locked: bool = Field(
        description="A review cycle of the period has left planning: items and weights are fixed."
    )
    can_shape: bool = Field(description="Whether you may add, re-weigh and remove items now.")
    can_update: bool = Field(description="Whether you may record values of own measures.")
    totals: SheetTotalsOut
    items: list[SheetItemOut]
    comments: list[SheetCommentOut] = Field(description="Oldest first.")
    created_at: datetime


def sheet_item(f: ItemFigures) -> dict[str, Any]:
    item = f.item
    return {
        "id": item.pk,
        "sheet": item.sheet_id,
        "kind": item.kind,
        "title": f.title,
        "weight": f.weight,
        "progress": f.progress,
        "achieved": f.achieved,
        "source": f.source,
        "unit": item.unit,
        "start": number(item.start),
        "target": number(item.target),
        "current": number(item.current),
        # like a private contributor elsewhere: its numbers, not its ids
        "key_result": None if f.hidden else item.key_result_id,
        "goal": None if f.hidden else item.goal_id,
        "created_at": item.created_at,
    }


def totals(t: SheetTotals) -> dict[str, Any]:
    return {"total_target": t.total_target, "achieved": t.achieved, "percent": t.percent}


def sheet_comment(c: SheetComment) -> dict[str, Any]:
    return {
        "id": c.pk,
        "sheet": c.sheet_id,
        "author": member_ref(c.author),
        "body": c.body,
        "created_at": c.created_at,
    }


def sheet_update(u: SheetItemUpdate) -> dict[str, Any]:
    return {
        "id": u.pk,
        "item": u.item_id,
        "value": float(u.value),
        "note": u.note,
        "author": member_ref(u.author),
        "created_at": u.created_at,
    }


def goal_sheet(page: SheetPage) -> dict[str, Any]:
    sheet = page.sheet
    return {
        "id": sheet.pk,
        "owner": member_ref(sheet.owner),
        "period": period_ref(sheet.period),
        "locked": page.locked,
        "can_shape": page.can_shape,
        "can_update": page.can_update,
        "totals": totals(page.totals),
        "items": [sheet_item(f) for f in page.figures],
        "comments": [sheet_comment(c) for c in page.comments],
        "created_at": sheet.created_at,
    }


# --------------------------------------------------------------------------- review cycles


class CompetencyOut(Schema):
    id: int
    name: str
    description: str


class RatingLevelOut(Schema):
    value: int
    label: str


class ReviewCountsOut(Schema):
    count: int = Field(description="Reviews in the cycle: one per participant.")
    self_submitted: int = Field(description="Self assessments submitted.")
    manager_submitted: int = Field(
        description="Manager assessments submitted. Someone with no manager has none, so this "
        "may stay below `count`."
    )


class ReviewCycleOut(Schema):
    id: int
    name: str
    period: PeriodRef = Field(description="The period under review.")
    phase: PhaseName
    next_phase: PhaseName | None = Field(
        description="Where `POST /review-cycles/{id}/advance` moves it; null once closed."
    )
    participation: ParticipationName
    self_assessment_starts: date | None = Field(
        description="The planned dates of the phases; a super user moves the phase."
    )
    manager_assessment_starts: date | None
    calibration_starts: date | None
    shared_starts: date | None
    closes: date | None
    include_goals: bool = Field(
        description="Whether its reviews rate and score goals: the organisation's "
        "`include_goals_in_reviews` while the cycle is in planning, then kept as it started."
    )
    goals_weight: float = Field(description="The goals' part of the overall score, 0 to 1.")
    competencies_weight: float = Field(description="goals_weight + competencies_weight = 1.")
    created_by: MemberRef | None
    created_at: datetime


class ReviewCyclePage(Page):
    items: list[ReviewCycleOut]


class ReviewCycleDetailOut(ReviewCycleOut):
    competencies: list[CompetencyOut]
    scale: list[RatingLevelOut] = Field(description="The rating scale, lowest first.")
    reviews: ReviewCountsOut


def next_phase(cycle: ReviewCycle) -> str | None:
    index = cycle.phase_index()
    return PHASES[index + 1].value if index + 1 < len(PHASES) else None


def review_cycle(cycle: ReviewCycle) -> dict[str, Any]:
    return {
        "id": cycle.pk,
        "name": cycle.name,
        "period": period_ref(cycle.period),
        "phase": cycle.phase,
        "next_phase": next_phase(cycle),
        "participation": cycle.participation,
        "self_assessment_starts": cycle.self_assessment_starts,
        "manager_assessment_starts": cycle.manager_assessment_starts,
        "calibration_starts": cycle.calibration_starts,
        "shared_starts": cycle.shared_starts,
        "closes": cycle.closes,
        "include_goals": cycle.include_goals,
        "goals_weight": float(cycle.goals_weight),
        "competencies_weight": float(cycle.competencies_weight),
        "created_by": member_ref(cycle.created_by),
        "created_at": cycle.created_at,
    }


def competency(c: Competency) -> dict[str, Any]:
    return {"id": c.pk, "name": c.name, "description": c.description}


def rating_level(level: RatingLevel) -> dict[str, Any]:
    return {"value": level.value, "label": level.label}


def review_cycle_detail(
    cycle: ReviewCycle,
    competencies: Iterable[Competency],
    scale: Iterable[RatingLevel],
    counts: dict[str, int],
) -> dict[str, Any]:
    return {
        **review_cycle(cycle),
        "competencies": [competency(c) for c in competencies],
        "scale": [rating_level(level) for level in scale],
        "reviews": counts,
    }


# --------------------------------------------------------------------------- reviews


class ReviewCycleRef(Schema):
    id: int
    name: str
    phase: PhaseName
    period: PeriodRef


class AssessmentRef(Schema):
    id: int
    kind: AssessmentKindName
    submitted_at: datetime | None = Field(description="Null while it is a draft.")


class ReviewSummaryOut(Schema):
    id: int
    cycle: ReviewCycleRef
    reviewee: MemberRef
    manager: MemberRef | None = Field(
        description="The reviewer: the reviewee's manager when the cycle was created."
    )
    self_assessment: AssessmentRef | None = Field(
        description="Null before its phase opens, or while it is a draft you may not see."
    )
    manager_assessment: AssessmentRef | None = Field(
        description="Null before its phase opens, or (for the reviewee) until the review is shared."
    )


class ReviewSummaryPage(Page):
    items: list[ReviewSummaryOut]


class CompetencyRatingOut(Schema):
    competency: int
    name: str
    rating: int | None = Field(description="A value of the scale; null: not rated yet.")
    comment: str


class GoalRatingOut(Schema):
    id: int = Field(description="The goal rating's id, to rate it in `PATCH /assessments/{id}`.")
    item: int | None = Field(description="The goal sheet item; null if it has been removed since.")
    title: str
    weight: float
    progress: float | None = Field(description="At the snapshot, from 0 to 1.")
    achieved: float = Field(description="At the snapshot: weight × progress.")
    rating: int | None
    comment: str


class GoalsColumnOut(Schema):
    snapshot_at: datetime | None = Field(
        description="When the figures were taken from the goal sheet: when the phase opened, "
        "or the last refresh."
    )
    total_target: float
    achieved: float
    percent: float | None = Field(description="achieved / total_target, a fraction from 0 to 1.")
    ratings: list[GoalRatingOut]


class ScoresOut(Schema):
    competencies: float | None = Field(description="The mean of the competency ratings.")
    goals: float | None = Field(
        description="The mean of the goal ratings weighted by the sheet's weights; null when "
        "goals are not included."
    )
    overall: float | None = Field(
        description="goals × goals_weight + competencies × competencies_weight with goals "
        "included, else the competencies score; null until every part is rated."
    )


class AssessmentOut(Schema):
    id: int
    review: int
    kind: AssessmentKindName
    overall_comment: str
    submitted_at: datetime | None = Field(description="Submitted assessments are final.")
    submitted_by: MemberRef | None
    writable: bool = Field(
        description="Whether you may write it now: yours, in its phase, not submitted."
    )
    competency_ratings: list[CompetencyRatingOut]
    goals: GoalsColumnOut | None = Field(
        description="The goals column: the reviewee's goal sheet as snapshotted, with the "
        "assessor's ratings; null when the organisation does not include goals in reviews."
    )
    scores: ScoresOut


class ReviewOut(Schema):
    id: int
    cycle: ReviewCycleRef
    reviewee: MemberRef
    manager: MemberRef | None
    include_goals: bool = Field(
        description="The organisation's setting: reviews show and score the goals column."
    )
    goals_weight: float
    competencies_weight: float
    scale: list[RatingLevelOut]
    competencies: list[CompetencyOut]
    self_assessment: AssessmentOut | None = Field(
        description="Null before its phase opens, and a draft is the reviewee's own."
    )
    manager_assessment: AssessmentOut | None
    manager_assessment_hidden: bool = Field(
        description="The manager's assessment exists, but the reviewee sees it only once the "
        "review is shared."
    )


def review_cycle_ref(cycle: ReviewCycle) -> dict[str, Any]:
    return {
        "id": cycle.pk,
        "name": cycle.name,
        "phase": cycle.phase,
        "period": period_ref(cycle.period),
    }


def review_summary(
    actor: Member, review: Review, above: frozenset[int] = frozenset()
) -> dict[str, Any]:
    """A review of a list; its ``assessments`` are prefetched."""
    refs: dict[str, dict[str, Any] | None] = {"self": None, "manager": None}
    for a in review.assessments.all():
        if permissions.can_view_assessment(actor, review, a, above):
            refs[a.kind] = {"id": a.pk, "kind": a.kind, "submitted_at": a.submitted_at}
    return {
        "id": review.pk,
        "cycle": review_cycle_ref(review.cycle),
        "reviewee": member_ref(review.reviewee),
        "manager": member_ref(review.manager),
        "self_assessment": refs["self"],
        "manager_assessment": refs["manager"],
    }


def assessment(view: AssessmentView, include_goals: bool) -> dict[str, Any]:
    a = view.assessment
    goals = None
    if include_goals:
        goals = {
            "snapshot_at": a.goals_snapshot_at,
            **totals(view.goal_totals),
            "ratings": [
                {
                    "id": r.pk,
                    "item": r.item_id,
                    "title": r.title,
                    "weight": float(r.weight),
                    "progress": r.progress,
                    "achieved": r.achieved,
                    "rating": r.rating,
                    "comment": r.comment,
                }
                for r in view.goal_ratings
            ],
        }
    return {
        "id": a.pk,
        "review": a.review_id,
        "kind": a.kind,
        "overall_comment": a.overall_comment,
        "submitted_at": a.submitted_at,
        "submitted_by": member_ref(a.submitted_by),
        "writable": view.writable,
        "competency_ratings": [
            {
                "competency": r.competency_id,
                "name": r.competency.name,
                "rating": r.rating,
                "comment": r.comment,
            }
            for r in view.competency_ratings
        ],
        "goals": goals,
        "scores": {
            "competencies": view.scores.competencies,
            "goals": view.scores.goals,
            "overall": view.scores.overall,
        },
    }


def review(page: ReviewPage) -> dict[str, Any]:
    r = page.review
    return {
        "id": r.pk,
        "cycle": review_cycle_ref(page.cycle),
        "reviewee": member_ref(r.reviewee),
        "manager": member_ref(r.manager),
        "include_goals": page.include_goals,
        "goals_weight": float(page.cycle.goals_weight),
        "competencies_weight": float(page.cycle.competencies_weight),
        "scale": [rating_level(level) for level in page.scale],
        "competencies": [competency(c) for c in page.competencies],
        "self_assessment": (
            assessment(page.self_assessment, page.include_goals) if page.self_assessment else None
        ),
        "manager_assessment": (
            assessment(page.manager_assessment, page.include_goals)
            if page.manager_assessment
            else None
        ),
        "manager_assessment_hidden": page.manager_assessment_hidden,
    }
