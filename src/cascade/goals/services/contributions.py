"""Contributions: aligning a junior goal to a senior one, re-weighting and removing the link."""

from __future__ import annotations

from cascade import permissions
from cascade.audit.models import EventKind
from cascade.audit.services import record
from cascade.core.errors import NotFound, conflict, invalid
from cascade.core.numbers import parse_weight
from cascade.core.transactions import atomic_with_retries
from cascade.goals import rollup
from cascade.goals.models import Contribution, Goal, State
from cascade.goals.services._shared import _has_contributors
from cascade.notifications import events
from cascade.orgs.models import Member

ALIGN_RULE = (
    "Only the owner of one of the two goals, or a super user, may change how they are aligned."
)


def _lock_pair(actor: Member, junior: Goal, senior: Goal) -> tuple[rollup.Scope, Goal, Goal]:
    """Lock both goals and all above them (the junior's progress is read, the senior's changes)."""
    scope = rollup.lock(actor.organisation_id, goals={junior.pk, senior.pk})
    return scope, scope.goals[junior.pk], scope.goals[senior.pk]


@atomic_with_retries
def align_goal(*, actor: Member, junior: Goal, senior: Goal, weight: object = 1) -> Contribution:
    """Make ``junior`` contribute to ``senior`` with a weight; its progress then flows up."""
    permissions.require_same_organisation(actor, junior, senior)
    for goal in (junior, senior):
        if not permissions.can_view_goal(actor, goal):
            raise NotFound("No such goal.")  # private goals the actor may not see are not there
    if junior.pk == senior.pk:
        raise invalid("A goal cannot contribute to itself.", "cycle", "senior_goal")
    weight_value = parse_weight(weight)
    scope, junior, senior = _lock_pair(actor, junior, senior)
    permissions.require(permissions.can_align(actor, junior, senior), ALIGN_RULE)
    if State.ARCHIVED in (junior.state, senior.state):
        raise invalid(
            "Archived goals cannot be aligned; restore the goal first.",
            "goal_archived",
            "senior_goal",
        )
    if Contribution.objects.filter(junior=junior, senior=senior).exists():
        raise conflict(
            "These goals are already aligned; change the weight of the link instead.",
            "already_aligned",
            "senior_goal",
        )
    # Checked under the locks, so two links that together would close a cycle cannot both pass.
    if Goal.objects.filter(pk=junior.pk, pk__in=rollup.goals_above([senior.pk])).exists():
        raise conflict(
            f"“{senior.title}” already contributes to “{junior.title}”: this link would close a cycle.",
            "cycle",
            "senior_goal",
        )
    contribution = Contribution.objects.create(
        organisation_id=actor.organisation_id,
        junior=junior,
        senior=senior,
        weight=weight_value,
        created_by=actor,
    )
    rollup.recompute(scope, cause=EventKind.GOAL_ALIGNED.value, actor=actor)
    record(
        organisation=actor.organisation_id,
        actor=actor,
        kind=EventKind.GOAL_ALIGNED,
        subject=contribution,
        goal=senior,
        data={"junior": junior.pk, "senior": senior.pk, "weight": str(weight_value)},
    )
    events.aligned_under_mine(
        actor=actor, junior=junior, senior=senior, contribution_id=contribution.pk
    )
    return contribution


def _locked_contribution(
    actor: Member, contribution: Contribution
) -> tuple[rollup.Scope, Contribution]:
    permissions.require_same_organisation(actor, contribution)
    scope, junior, senior = _lock_pair(actor, contribution.junior, contribution.senior)
    locked = Contribution.objects.select_for_update().filter(pk=contribution.pk).first()
    if locked is None:
        raise NotFound("This link no longer exists.")
    permissions.require(permissions.can_align(actor, junior, senior), ALIGN_RULE)
    return scope, locked


@atomic_with_retries
def change_contribution_weight(
    *, actor: Member, contribution: Contribution, weight: object
) -> Contribution:
    permissions.require_same_organisation(actor, contribution)
    weight_value = parse_weight(weight)
    scope, contribution = _locked_contribution(actor, contribution)
    before = contribution.weight
    if before == weight_value:
        return contribution
    contribution.weight = weight_value
    contribution.save(update_fields=["weight"])
    rollup.recompute(scope, cause=EventKind.CONTRIBUTION_WEIGHT_CHANGED.value, actor=actor)
    record(
        organisation=actor.organisation_id,
        actor=actor,
        kind=EventKind.CONTRIBUTION_WEIGHT_CHANGED,
        subject=contribution,
        goal=scope.goals[contribution.senior_id],
        data={"junior": contribution.junior_id, "weight": [str(before), str(weight_value)]},
    )
    return contribution


@atomic_with_retries
def remove_contribution(*, actor: Member, contribution: Contribution) -> None:
    scope, contribution = _locked_contribution(actor, contribution)
    senior = scope.goals[contribution.senior_id]
    if senior.state == State.ACTIVE and not _has_contributors(senior, except_link=contribution.pk):
        raise invalid(
            "This is the only thing that contributes to the senior goal: "
            "give it a key result or another contributing goal first, or archive it.",
            "last_contributor",
        )
    data = {
        "junior": contribution.junior_id,
        "senior": contribution.senior_id,
        "weight": str(contribution.weight),
    }
    contribution.delete()
    rollup.recompute(scope, cause=EventKind.CONTRIBUTION_REMOVED.value, actor=actor)
    record(
        organisation=actor.organisation_id,
        actor=actor,
        kind=EventKind.CONTRIBUTION_REMOVED,
        subject=senior,
        goal=senior,
        data=data,
    )
