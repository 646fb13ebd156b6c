"""Every write of performance management: goal sheets, review cycles and assessments.

Like every service in Cascade: one transaction, everything in the actor's organisation, the
actor's right checked (``cascade.permissions``), input validated before anything is written, and
an audit event.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

from cascade import permissions
from cascade.audit.models import EventKind
from cascade.audit.services import record
from cascade.core import clock
from cascade.core.errors import NotFound
from cascade.core.numbers import ascii_int, parse_id, parse_number, parse_weight
from cascade.core.text import DESCRIPTION, LONG_TEXT, NOTE, clean_text, column_length
from cascade.core.transactions import atomic_with_retries
from cascade.goals.models import Goal, KeyResult
from cascade.orgs.models import Member, Organisation, Period, Team, TeamMembership
from cascade.performance.figures import live_figures
from cascade.performance.locks import sheet_is_locked
from cascade.performance.models import (
    PHASES,
    Assessment,
    AssessmentKind,
    Competency,
    CompetencyRating,
    GoalRating,
    GoalSheet,
    ItemKind,
    Participation,
    Phase,
    RatingLevel,
    Review,
    ReviewCycle,
    SheetComment,
    SheetItem,
    SheetItemUpdate,
)
from cascade.progress.sheets import rating_bounds_errors, split_errors

SUPER_USERS_ONLY = "Only super users may run review cycles."


# --------------------------------------------------------------------------- the setting


@atomic_with_retries
def set_goals_in_reviews(*, actor: Member, enabled: bool) -> Organisation:
    """Turn the goals column of performance reviews on or off. Super users only; audited.

    It applies to the review cycles still in planning and to those created later; a cycle
    that has started keeps the setting it started with (``ReviewCycle.include_goals``).
    """
    permissions.require(
        permissions.can_manage_organisation(actor),
        "Only super users may decide whether performance reviews include goals.",
    )
    if not isinstance(enabled, bool):
        raise ValidationError({"include_goals_in_reviews": "Say true or false."})
    organisation = Organisation.objects.select_for_update().get(pk=actor.organisation_id)
    if organisation.include_goals_in_reviews != enabled:
        before = organisation.include_goals_in_reviews
        organisation.include_goals_in_reviews = enabled
        organisation.save(update_fields=["include_goals_in_reviews"])
        ReviewCycle.objects.filter(organisation=organisation, phase=Phase.PLANNING).update(
            include_goals=enabled
        )
        record(
            organisation=organisation,
            actor=actor,
            kind=EventKind.GOALS_IN_REVIEWS_CHANGED,
            subject=organisation,
            data={"include_goals_in_reviews": [before, enabled]},
        )
    return organisation


# --------------------------------------------------------------------------- goal sheets


def sheet_for(*, owner: Member, period: Period) -> GoalSheet:
    """The owner's sheet for the period, made empty on first use (not an event worth auditing)."""
    if owner.organisation_id != period.organisation_id:
        raise NotFound("No such period.")
    sheet, _ = GoalSheet.objects.get_or_create(
        owner=owner, period=period, defaults={"organisation_id": owner.organisation_id}
    )
    return sheet


def _require_shaping(actor: Member, sheet: GoalSheet) -> None:
    permissions.require_same_organisation(actor, sheet)
    permissions.require(
        permissions.can_edit_sheet(actor, sheet.owner),
        "Only the sheet's owner, their manager or a super user may change its goals and weights.",
    )
    if sheet_is_locked(sheet):
        raise ValidationError(
            f"The review cycle of {sheet.period.name} has moved past planning: the goals and weights "
            "of this sheet are locked."
        )


def _measure(start: object, target: object, unit: str = "") -> dict[str, Decimal]:
    errors: dict[str, str] = {}
    values: dict[str, Decimal] = {}
    for name, raw in (("start", start), ("target", target)):
        try:
            values[name] = parse_number(raw, name, unit=unit)
        except ValidationError as error:
            errors[name] = error.message_dict[name][0]
    if not errors and values["start"] == values["target"]:
        errors["target"] = (
            "The target must differ from the start value, or there is nothing to measure."
        )
    if errors:
        raise ValidationError(errors)
    return values


@atomic_with_retries
def add_sheet_item(
    *,
    actor: Member,
    sheet: GoalSheet,
    kind: str,
    weight: object,
    title: str = "",
    unit: str = "",
    start: object = 0,
    target: object = None,
    key_result: KeyResult | None = None,
    goal: Goal | None = None,
) -> SheetItem:
    """A goal on a person's sheet: an own measure, or a live link to a key result or a goal."""
    sheet = GoalSheet.objects.select_for_update().select_related("owner", "period").get(pk=sheet.pk)
    permissions.require_same_organisation(actor, key_result, goal)
    _require_shaping(actor, sheet)
    weight_value = parse_weight(weight)
    fields: dict[str, Any] = {"kind": kind, "weight": weight_value}
    if kind == ItemKind.MEASURE:
        fields |= {
            "title": clean_text(title, "title", required=True),
            "unit": clean_text(unit, "unit", max_length=column_length(SheetItem, "unit")),
        }
        fields |= _measure(start, target, fields["unit"])
    elif kind == ItemKind.KEY_RESULT:
        if key_result is None or not permissions.can_view_goal(actor, key_result.goal):
            raise ValidationError({"key_result": "Choose a key result you can see."})
        fields |= {"key_result": key_result, "title": key_result.title}
    elif kind == ItemKind.GOAL:
        if goal is None or not permissions.can_view_goal(actor, goal):
            raise ValidationError({"goal": "Choose a goal you can see."})
        fields |= {"goal": goal, "title": goal.title}
    else:
        raise ValidationError({"kind": "Choose an own measure, a key result or a goal."})
    position = SheetItem.objects.filter(sheet=sheet).count()
    item = SheetItem.objects.create(
        organisation_id=sheet.organisation_id, sheet=sheet, position=position, **fields
    )
    record(
        organisation=sheet.organisation_id,
        actor=actor,
        kind=EventKind.SHEET_ITEM_ADDED,
        subject=item,
        data={"sheet": sheet.pk, "kind": kind, "title": item.title, "weight": str(weight_value)},
    )
    return item


@atomic_with_retries
def change_sheet_item(
    *,
    actor: Member,
    item: SheetItem,
    weight: object = None,
    title: str | None = None,
    target: object = None,
) -> SheetItem:
    """Change an item's weight (and an own measure's title or target) while planning."""
    permissions.require_same_organisation(actor, item)
    item = (
        SheetItem.objects.select_for_update()
        .select_related("sheet__owner", "sheet__period")
        .get(pk=item.pk)
    )
    _require_shaping(actor, item.sheet)
    changes: dict[str, list[str]] = {}
    if weight is not None:
        value = parse_weight(weight)
        if value != item.weight:
            changes["weight"] = [str(item.weight), str(value)]
            item.weight = value
    if item.kind == ItemKind.MEASURE:
        if title is not None and clean_text(title, "title", required=True) != item.title:
            changes["title"] = [item.title, clean_text(title, "title", required=True)]
            item.title = clean_text(title, "title", required=True)
        if target is not None:
            new_target = _measure(item.start, target, item.unit)["target"]
            if new_target != item.target:
                changes["target"] = [str(item.target), str(new_target)]
                item.target = new_target
    if changes:
        item.save()
        record(
            organisation=item.organisation_id,
            actor=actor,
            kind=EventKind.SHEET_ITEM_CHANGED,
            subject=item,
            data=changes,
        )
    return item


@atomic_with_retries
def remove_sheet_item(*, actor: Member, item: SheetItem) -> None:
    permissions.require_same_organisation(actor, item)
    item = (
        SheetItem.objects.select_for_update()
        .select_related("sheet__owner", "sheet__period")
        .get(pk=item.pk)
    )
    _require_shaping(actor, item.sheet)
    data = {"sheet": item.sheet_id, "title": item.title, "weight": str(item.weight)}
    sheet = item.sheet
    item.delete()
    record(
        organisation=sheet.organisation_id,
        actor=actor,
        kind=EventKind.SHEET_ITEM_REMOVED,
        subject=sheet,
        data=data,
    )


@atomic_with_retries
def update_sheet_item(
    *, actor: Member, item: SheetItem, value: object, note: str = ""
) -> SheetItemUpdate:
    """A new value for an own-measure item, kept with its note like a check-in. Any phase."""
    permissions.require_same_organisation(actor, item)
    item = SheetItem.objects.select_for_update().select_related("sheet__owner").get(pk=item.pk)
    permissions.require(
        permissions.can_update_sheet_values(actor, item.sheet.owner),
        "Only the sheet's owner or a super user may update its values.",
    )
    if item.kind != ItemKind.MEASURE:
        raise ValidationError(
            {"value": "This item takes its progress from the key result or goal it links to."}
        )
    number = parse_number(value, "value", unit=item.unit)
    note = clean_text(note, "note", max_length=NOTE)
    previous = item.current
    item.current = number
    item.save(update_fields=["current"])
    update = SheetItemUpdate.objects.create(
        organisation_id=item.organisation_id, item=item, value=number, note=note, author=actor
    )
    record(
        organisation=item.organisation_id,
        actor=actor,
        kind=EventKind.SHEET_ITEM_UPDATED,
        subject=item,
        data={"value": str(number), "previous": str(previous) if previous is not None else None},
    )
    return update


@atomic_with_retries
def comment_on_sheet(*, actor: Member, sheet: GoalSheet, body: str) -> SheetComment:
    permissions.require_same_organisation(actor, sheet)
    permissions.require(
        permissions.can_comment_on_sheet(actor, sheet.owner),
        "Only the sheet's owner, their managers and super users may comment on it.",
    )
    comment = SheetComment.objects.create(
        organisation_id=sheet.organisation_id,
        sheet=sheet,
        author=actor,
        body=clean_text(body, "body", required=True, max_length=NOTE),
    )
    record(
        organisation=sheet.organisation_id,
        actor=actor,
        kind=EventKind.SHEET_COMMENTED,
        subject=comment,
    )
    return comment


# --------------------------------------------------------------------------- review cycles


def _participants(
    actor: Member, participation: str, teams: Sequence[Team], people: Sequence[Member]
) -> list[Member]:
    members = Member.objects.filter(organisation_id=actor.organisation_id, is_active=True)
    if participation == Participation.EVERYONE:
        return list(members)
    if participation == Participation.TEAMS:
        if not teams:
            raise ValidationError({"teams": "Choose at least one team."})
        in_teams = TeamMembership.objects.filter(team__in=teams).values("member_id")
        return list(members.filter(pk__in=in_teams))
    if participation == Participation.PEOPLE:
        if not people:
            raise ValidationError({"people": "Choose at least one person."})
        return list(members.filter(pk__in=[p.pk for p in people]))
    raise ValidationError({"participation": "Choose everyone, teams or chosen people."})


def _dates_errors(dates: Sequence[date | None]) -> dict[str, str]:
    given = [d for d in dates if d is not None]
    if any(later < earlier for earlier, later in itertools.pairwise(given)):
        return {"closes": "The phases must follow each other: each starts after the one before."}
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
    errors: dict[str, str] = {}
    if ReviewCycle.objects.filter(organisation_id=actor.organisation_id, name=name).exists():
        errors["name"] = "There is already a review cycle with this name."
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
        errors["competencies"] = "Add at least one competency to rate."
    levels = [
        (
            int(value),
            clean_text(
                label, "scale", required=True, max_length=column_length(RatingLevel, "label")
            ),
        )
        for value, label in scale
    ]
    errors |= rating_bounds_errors([value for value, _ in levels])
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
        raise ValidationError(errors)
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
) -> tuple[dict[str, Decimal], dict[str, str]]:
    """The goals / competencies split as stored, and what is wrong with it. Checked as stored:
    0.3335 + 0.6665 adds up to 1, but would be kept as 0.334 + 0.667."""
    split = {
        "goals_weight": parse_number(goals_weight, "goals_weight"),
        "competencies_weight": parse_number(competencies_weight, "competencies_weight"),
    }
    errors = {
        name: "Use at most three decimal places (0.125)."
        for name, value in split.items()
        if value != value.quantize(SPLIT_PLACES)
    }
    return split, errors or split_errors(split["goals_weight"], split["competencies_weight"])


@atomic_with_retries
def change_review_split(
    *, actor: Member, cycle: ReviewCycle, goals_weight: object, competencies_weight: object
) -> ReviewCycle:
    """How goals and competencies weigh in the overall score (they must add up to 1)."""
    permissions.require(permissions.can_manage_reviews(actor), SUPER_USERS_ONLY)
    permissions.require_same_organisation(actor, cycle)
    cycle = ReviewCycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.is_shared:
        raise ValidationError(
            "The reviews are shared already: the score split can no longer change."
        )
    split, errors = _split(goals_weight, competencies_weight)
    if errors:
        raise ValidationError(errors)
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
        raise ValidationError("This review cycle is closed.")
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
    return cycle


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


# --------------------------------------------------------------------------- assessments


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
        raise ValidationError(
            f"The {assessment.get_kind_display().lower()} can be written during the “{assessment.phase.label}” phase; "
            f"this cycle is in “{Phase(review.cycle.phase).label}”."
        )
    if assessment.is_submitted:
        raise ValidationError(
            "This assessment has been submitted and is final; a super user can reopen it."
        )


def _rating(raw: object, allowed: set[int], field: str) -> int | None:
    if raw in (None, ""):
        return None
    value = ascii_int(raw.strip() if isinstance(raw, str) else raw)
    if value is None:
        raise ValidationError({field: "Choose a rating from the scale."})
    if value not in allowed:
        raise ValidationError(
            {field: f"Choose a rating from the scale ({', '.join(map(str, sorted(allowed)))})."}
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
            raise ValidationError({f"competency_{key}": "No such competency in this review."})
        row.rating = _rating(raw, allowed, f"competency_{key}")
        row.comment = clean_text(comment, f"competency_{key}_comment", max_length=NOTE)
        changed_c.append(row)
    if goal_ratings and not include_goals:
        raise ValidationError("This review cycle does not include goals.")
    for key, (raw, comment) in (goal_ratings or {}).items():
        goal_row = by_goal.get(parse_id(key) or 0)
        if goal_row is None:
            raise ValidationError({f"goal_{key}": "No such goal in this review."})
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
            raise ValidationError(
                "Rate every competency"
                + (" and every goal" if include_goals else "")
                + " before submitting."
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
        raise ValidationError("This assessment has not been submitted.")
    if assessment.review.cycle.is_shared:
        raise ValidationError(
            "The reviews are shared: what the reviewee has read is final and cannot be reopened."
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
