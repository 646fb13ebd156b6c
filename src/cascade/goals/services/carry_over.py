"""Carrying unfinished goals into another period."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from cascade import permissions
from cascade.core.errors import combine, invalid
from cascade.core.transactions import atomic_with_retries
from cascade.goals.models import Contribution, Goal, KeyResult, State
from cascade.goals.services._shared import _has_contributors
from cascade.goals.services.contributions import align_goal
from cascade.goals.services.goals import create_goal
from cascade.goals.services.key_results import add_key_result
from cascade.goals.services.states import activate_goal
from cascade.orgs.models import Member, Period
from cascade.progress import COUNTING_STATES, Kind, progress


@dataclass(frozen=True)
class Copied:
    copies: list[Goal]
    already_there: list[Goal]  # chosen, but copied into the period before (and not archived)


@atomic_with_retries
def copy_goals(*, actor: Member, goals: list[Goal], period: Period) -> Copied:
    """Carry unfinished goals into another period: same title, owner, team and KRs.

    A metric KR starts where the old one stands now, so the new goal measures what is left; its
    target stays. The copy contributes to the same senior goals when they run in the new period
    too, with the same weights. Copies with a KR or a link are activated; the originals are kept.
    A goal already carried into the period is not carried again (a double click, or two people
    copying the same team's goals): its earlier copy is reported instead.
    """
    permissions.require_same_organisation(actor, period, *goals)
    # Two people (or a double click) copying at once: the second waits here, then finds the
    # first one's copies.
    list(Goal.objects.select_for_update().filter(pk__in=[g.pk for g in goals]).order_by("pk"))
    for goal in goals:
        # The copy's key results are its owner's to add: the rule of editing the goal.
        permissions.require(
            permissions.can_edit_goal(actor, goal),
            f"Only the owner of “{goal.title}” or a super user may carry it into another period.",
        )
    errors: dict[str, ValidationError] = {}
    if any(goal.state not in COUNTING_STATES for goal in goals):
        errors["goals"] = invalid(
            "Only active or closed goals are carried into another period.", "goal_not_counting"
        )
    if any(goal.period_id == period.pk for goal in goals):
        errors["period"] = invalid(
            "Choose another period than the one the goals are in.", "same_period"
        )
    if errors:
        raise combine(errors)
    copied_before = set(
        Goal.objects.filter(copied_from__in=goals, period=period)
        .exclude(state=State.ARCHIVED)
        .values_list("copied_from_id", flat=True)
    )
    copies, already_there = [], []
    for goal in goals:
        if goal.pk in copied_before:
            already_there.append(goal)
            continue
        copy = create_goal(
            actor=actor,
            title=goal.title,
            period=period,
            owner=goal.owner,
            team=goal.team,
            description=goal.description,
            visibility=goal.visibility,
            copied_from=goal,
        )
        for kr in KeyResult.objects.filter(goal=goal).order_by("position", "id"):
            # Measure what is left, unless the KR is already done: then measure it afresh.
            unfinished = (
                kr.kind == Kind.METRIC and kr.current is not None and progress(kr.values) < 1
            )
            carried_start = kr.current if unfinished else kr.start
            add_key_result(
                actor=actor,
                goal=copy,
                title=kr.title,
                kind=kr.kind,
                start=carried_start,
                target=kr.target,
                unit=kr.unit,
                direction=kr.direction,
                weight=kr.weight,
            )
        seniors = Contribution.objects.filter(
            junior=goal,
            senior__period__start__lte=period.end,
            senior__period__end__gte=period.start,
        ).exclude(senior__state=State.ARCHIVED)
        for link in seniors.select_related("senior"):
            align_goal(actor=actor, junior=copy, senior=link.senior, weight=link.weight)
        if _has_contributors(copy):
            copy = activate_goal(actor=actor, goal=copy)
        copies.append(copy)
    return Copied(copies, already_there)
