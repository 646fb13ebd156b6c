"""Review cycles: creating one, its score split, and moving it through its phases."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError

from cascade import permissions
from cascade.audit.models import EventKind
from cascade.audit.services import record
from cascade.core import clock
from cascade.core.errors import combine, invalid
from cascade.core.numbers import parse_number
from cascade.core.text import DESCRIPTION, clean_text, column_length
from cascade.core.transactions import atomic_with_retries
from cascade.notifications import events
from cascade.orgs.models import Member, Organisation, Period, Team, TeamMembership
from cascade.performance.models import (
    PHASES,
    Assessment,
    AssessmentKind,
    Competency,
    CompetencyRating,
    Participation,
    Phase,
    RatingLevel,
    Review,
    ReviewCycle,
)
from cascade.performance.services._snapshots import _snapshot
from cascade.progress import Problem
from cascade.progress.sheets import rating_bounds_errors, split_errors

SUPER_USERS_ONLY = permissions.REVIEW_ADMINS_ONLY


def _participants(
    actor: Member, participation: str, teams: Sequence[Team], people: Sequence[Member]
) -> list[Member]:
    members = Member.objects.filter(organisation_id=actor.organisation_id, is_active=True)
    if participation == Participation.EVERYONE:
        return list(members)
    if participation == Participation.TEAMS:
        if not teams:
            raise invalid("Choose at least one team.", "required", "teams")
        in_teams = TeamMembership.objects.filter(team__in=teams).values("member_id")
        return list(members.filter(pk__in=in_teams))
    if participation == Participation.PEOPLE:
        if not people:
            raise invalid("Choose at least one person.", "required", "people")
        return list(members.filter(pk__in=[p.pk for p in people]))
    raise invalid(
        "Choose everyone, teams or chosen people.", "participation_unknown", "participation"
    )


def _dates_errors(dates: Sequence[date | None]) -> dict[str, ValidationError]:
    given = [d for d in dates if d is not None]
    if any(later < earlier for earlier, later in itertools.pairwise(given)):
        return {
            "closes": invalid(
                "The phases must follow each other: each starts after the one before.",
                "phases_order",
            )
        }
    return {}


@atomic_with_retries
def create_review_cycle(
    *,
    actor: Member,
    name: str,
    period: Period,
    competencies: Sequence[tuple[str, str]],
    scale: Sequence[tuple[int, str]],
    participation: str = Participation.EVERYONE,
    teams: Sequence[Team] = (),
    people: Sequence[Member] = (),
    goals_weight: object = "0.5",
    competencies_weight: object = "0.5",
    self_assessment_starts: date | None = None,
    manager_assessment_starts: date | None = None,
    calibration_starts: date | None = None,
    shared_starts: date | None = None,
    closes: date | None = None,
) -> ReviewCycle:
    """A review cycle in planning, with a review for each participant (assessed by their manager)."""
    permissions.require(permissions.can_manage_reviews(actor), SUPER_USERS_ONLY)
    permissions.require_same_organisation(actor, period, *teams, *people)
    name = clean_text(name, "name", required=True, max_length=column_length(ReviewCycle, "name"))
    errors: dict[str, ValidationError] = {}
    if ReviewCycle.objects.filter(organisation_id=actor.organisation_id, name=name).exists():
        errors["name"] = invalid("There is already a review cycle with this name.", "name_taken")
    named = [
        (
            clean_text(
                n, "competencies", required=True, max_length=column_length(Competency, "name")
            ),
            clean_text(d, "competencies", max_length=DESCRIPTION),
        )
        for n, d in competencies
    ]
    if not named:
        errors["competencies"] = invalid("Add at least one competency to rate.", "required")
    levels = [
        (
            int(value),
            clean_text(
                label, "scale", required=True, max_length=column_length(RatingLevel, "label")
            ),
        )
        for value, label in scale
    ]
    errors |= _refusals(rating_bounds_errors([value for value, _ in levels]))
    split, split_problems = _split(goals_weight, competencies_weight)
    errors |= split_problems
    dates = [
        self_assessment_starts,
        manager_assessment_starts,
        calibration_starts,
        shared_starts,
        closes,
    ]
    errors |= _dates_errors(dates)
    if errors:
        raise combine(errors)
    participants = _participants(actor, participation, teams, people)
    cycle = ReviewCycle.objects.create(
        organisation_id=actor.organisation_id,
        name=name,
        period=period,
        participation=participation,
        self_assessment_starts=self_assessment_starts,
        manager_assessment_starts=manager_assessment_starts,
        calibration_starts=calibration_starts,
        shared_starts=shared_starts,
        closes=closes,
        created_by=actor,
        # Locked: a change of the setting meanwhile waits, then updates this cycle in planning.
        include_goals=Organisation.objects.select_for_update()
        .values_list("include_goals_in_reviews", flat=True)
        .get(pk=actor.organisation_id),
        **split,
    )
    org = actor.organisation_id
    Competency.objects.bulk_create(
        Competency(organisation_id=org, cycle=cycle, name=n, description=d, position=i)
        for i, (n, d) in enumerate(named)
    )
    RatingLevel.objects.bulk_create(
        RatingLevel(organisation_id=org, cycle=cycle, value=v, label=label) for v, label in levels
    )
    Review.objects.bulk_create(
        Review(organisation_id=org, cycle=cycle, reviewee=member, manager_id=member.manager_id)
        for member in participants
    )
    record(
        organisation=org,
        actor=actor,
        kind=EventKind.REVIEW_CYCLE_CREATED,
        subject=cycle,
        data={"name": name, "period": period.pk, "participants": len(participants)},
    )
    return cycle


SPLIT_PLACES = Decimal("0.001")  # the columns keep three decimal places


def _split(
    goals_weight: object, competencies_weight: object
) -> tuple[dict[str, Decimal], dict[str, ValidationError]]:
    """The goals / competencies split as stored, and what is wrong with it. Checked as stored:
    0.3335 + 0.6665 adds up to 1, but would be kept as 0.334 + 0.667."""
    split = {
        "goals_weight": parse_number(goals_weight, "goals_weight"),
        "competencies_weight": parse_number(competencies_weight, "competencies_weight"),
    }
    errors = {
        name: invalid("Use at most three decimal places (0.125).", "split_places")
        for name, value in split.items()
        if value != value.quantize(SPLIT_PLACES)
    }
    return split, errors or _refusals(
        split_errors(split["goals_weight"], split["competencies_weight"])
    )


def _refusals(problems: dict[str, Problem]) -> dict[str, ValidationError]:
    """The pure rules' problems as refusals, codes kept."""
    return {name: invalid(p.message, p.code) for name, p in problems.items()}


@atomic_with_retries
def change_review_split(
    *, actor: Member, cycle: ReviewCycle, goals_weight: object, competencies_weight: object
) -> ReviewCycle:
    """How goals and competencies weigh in the overall score (they must add up to 1)."""
    permissions.require(permissions.can_manage_reviews(actor), SUPER_USERS_ONLY)
    permissions.require_same_organisation(actor, cycle)
    cycle = ReviewCycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.is_shared:
        raise invalid(
            "The reviews are shared already: the score split can no longer change.",
            "reviews_shared",
        )
    split, errors = _split(goals_weight, competencies_weight)
    if errors:
        raise combine(errors)
    goals, competencies = split["goals_weight"], split["competencies_weight"]
    before = [str(cycle.goals_weight), str(cycle.competencies_weight)]
    cycle.goals_weight, cycle.competencies_weight = goals, competencies
    cycle.save(update_fields=["goals_weight", "competencies_weight"])
    record(
        organisation=cycle.organisation_id,
        actor=actor,
        kind=EventKind.REVIEW_CYCLE_CHANGED,
        subject=cycle,
        data={"split": [before, [str(goals), str(competencies)]]},
    )
    return cycle


@atomic_with_retries
def advance_phase(*, actor: Member, cycle: ReviewCycle) -> ReviewCycle:
    """Move the cycle to its next phase. Opening an assessment phase snapshots the goal figures."""
    permissions.require(permissions.can_manage_reviews(actor), SUPER_USERS_ONLY)
    permissions.require_same_organisation(actor, cycle)
    cycle = ReviewCycle.objects.select_for_update().get(pk=cycle.pk)
    index = cycle.phase_index()
    if index == len(PHASES) - 1:
        raise invalid("This review cycle is closed.", "review_cycle_closed")
    before, after = PHASES[index], PHASES[index + 1]
    cycle.phase = after
    cycle.save(update_fields=["phase"])
    opening = {
        Phase.SELF_ASSESSMENT: AssessmentKind.SELF,
        Phase.MANAGER_ASSESSMENT: AssessmentKind.MANAGER,
    }
    if after in opening:
        _open_assessments(cycle, opening[after])
    record(
        organisation=cycle.organisation_id,
        actor=actor,
        kind=EventKind.REVIEW_PHASE_CHANGED,
        subject=cycle,
        data={"phase": [before.value, after.value]},
    )
    if after in opening:
        _tell_writers(actor, cycle, opening[after], after)
    return cycle


def _tell_writers(actor: Member, cycle: ReviewCycle, kind: AssessmentKind, phase: Phase) -> None:
    """Everyone with an assessment of this kind to write: the reviewee writes the self
    assessment, the manager the manager assessment. One query."""
    reviews = Review.objects.filter(cycle=cycle, assessments__kind=kind).select_related(
        "reviewee", "manager"
    )
    writers = [
        (review.reviewee if kind == AssessmentKind.SELF else review.manager, review)
        for review in reviews
    ]
    events.assessments_due(
        actor=actor,
        cycle=cycle,
        phase_label=phase.label,
        writers=[(member, review) for member, review in writers if member is not None],
    )


def _open_assessments(cycle: ReviewCycle, kind: AssessmentKind) -> None:
    """One assessment of this kind per review, each with its competencies and the goal snapshot."""
    reviews = list(Review.objects.filter(cycle=cycle))
    if kind == AssessmentKind.MANAGER:
        # Someone with no manager (the CEO, say) has no one to write it: their review is their
        # self assessment alone.
        reviews = [r for r in reviews if r.manager_id is not None]
    now = clock.now()
    org = cycle.organisation_id
    Assessment.objects.bulk_create(
        Assessment(organisation_id=org, review=review, kind=kind, goals_snapshot_at=now)
        for review in reviews
    )
    assessments = list(
        Assessment.objects.filter(review__cycle=cycle, kind=kind).select_related("review")
    )
    competencies = list(Competency.objects.filter(cycle=cycle))
    CompetencyRating.objects.bulk_create(
        CompetencyRating(organisation_id=org, assessment=a, competency=c)
        for a in assessments
        for c in competencies
    )
    _snapshot(assessments, cycle, now)
