"""A goal's life: draft, active, closed, archived, and back."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

from cascade import permissions
from cascade.audit.models import EventKind
from cascade.audit.services import record
from cascade.core import clock
from cascade.core.errors import by_field, combine, invalid
from cascade.core.numbers import parse_number
from cascade.core.text import LONG_TEXT, clean_text
from cascade.core.transactions import atomic_with_retries
from cascade.goals import rollup
from cascade.goals.models import Goal, KeyResult, Outcome, State
from cascade.goals.services._shared import OWNER_ONLY, _has_contributors
from cascade.orgs.models import Member

ACTIVE_NEEDS = "Add at least one key result or contributing goal before activating this goal."


def _lock_goal(actor: Member, goal: Goal) -> tuple[rollup.Scope, Goal]:
    """Lock a goal, its KRs and everything they feed, before a change of its state."""
    permissions.require_same_organisation(actor, goal)
    own_krs = list(KeyResult.objects.filter(goal_id=goal.pk).values_list("pk", flat=True))
    scope = rollup.lock(actor.organisation_id, key_results=own_krs, goals={goal.pk})
    goal = scope.goals[goal.pk]
    permissions.require(permissions.can_edit_goal(actor, goal), OWNER_ONLY)
    return scope, goal


def _require_state(goal: Goal, allowed: set[str], verb: str) -> None:
    if goal.state not in allowed:
        raise invalid(
            f"A goal that is {goal.get_state_display().lower()} cannot be {verb}.",
            "state_transition",
        )


def _set_state(
    actor: Member,
    scope: rollup.Scope,
    goal: Goal,
    to: str,
    kind: EventKind,
    data: dict[str, Any] | None = None,
) -> Goal:
    """Save the goal's new state, update the progress of all it feeds, and record the change.

    Whatever the way in (activating, reopening, restoring), an active goal needs a KR or a
    contributing goal.
    """
    if to == State.ACTIVE and not _has_contributors(goal):
        raise invalid(ACTIVE_NEEDS, "needs_contributor")
    before = goal.state
    if to == State.ARCHIVED:
        goal.state_before_archive = before
    goal.state = to
    goal.updated_at = clock.now()
    goal.save()
    rollup.recompute(scope, cause=kind.value, actor=actor)
    record(
        organisation=actor.organisation_id,
        actor=actor,
        kind=kind,
        subject=goal,
        goal=goal,
        data={"state": [before, to], **(data or {})},
    )
    return goal


@atomic_with_retries
def activate_goal(*, actor: Member, goal: Goal) -> Goal:
    """Draft → active. A goal needs at least one KR or contributing goal to be active."""
    scope, goal = _lock_goal(actor, goal)
    _require_state(goal, {State.DRAFT}, "activated")
    return _set_state(actor, scope, goal, State.ACTIVE, EventKind.GOAL_ACTIVATED)


@atomic_with_retries
def close_goal(
    *, actor: Member, goal: Goal, score: object, outcome: str, retrospective: str = ""
) -> Goal:
    """Active → closed, with a score from 0.0 to 1.0, an outcome and a retrospective note.

    A closed goal's progress is frozen at its value when it was closed, and keeps counting
    with that value in the goals above it.
    """
    scope, goal = _lock_goal(actor, goal)
    errors: dict[str, ValidationError] = {}
    try:
        value = parse_number(score, "score", percent=True)
        if not Decimal(0) <= value <= Decimal(1):
            errors["score"] = invalid("A score runs from 0 to 1 (0 % to 100 %).", "score_range")
    except ValidationError as error:
        errors["score"] = by_field(error)["score"][0]
    if outcome not in Outcome.values:
        errors["outcome"] = invalid(
            "Say whether the goal was achieved, partially achieved or missed.", "outcome_unknown"
        )
    if errors:
        raise combine(errors)
    retrospective = clean_text(retrospective, "retrospective", max_length=LONG_TEXT)
    _require_state(goal, {State.ACTIVE}, "closed")
    goal.score = value.quantize(Decimal("0.01"))
    goal.outcome = outcome
    goal.retrospective = retrospective
    goal.closed_at = clock.now()
    return _set_state(
        actor,
        scope,
        goal,
        State.CLOSED,
        EventKind.GOAL_CLOSED,
        {"score": str(goal.score), "outcome": outcome},
    )


@atomic_with_retries
def reopen_goal(*, actor: Member, goal: Goal) -> Goal:
    """Closed → active. The score stays on record until the goal is closed again."""
    scope, goal = _lock_goal(actor, goal)
    _require_state(goal, {State.CLOSED}, "reopened")
    return _set_state(actor, scope, goal, State.ACTIVE, EventKind.GOAL_REOPENED)


@atomic_with_retries
def archive_goal(*, actor: Member, goal: Goal) -> Goal:
    """Hide a goal from rollups and lists without deleting anything."""
    scope, goal = _lock_goal(actor, goal)
    _require_state(goal, {State.DRAFT, State.ACTIVE, State.CLOSED}, "archived")
    return _set_state(actor, scope, goal, State.ARCHIVED, EventKind.GOAL_ARCHIVED)


@atomic_with_retries
def restore_goal(*, actor: Member, goal: Goal) -> Goal:
    """Archived → the state it had before it was archived."""
    scope, goal = _lock_goal(actor, goal)
    _require_state(goal, {State.ARCHIVED}, "restored")
    return _set_state(
        actor, scope, goal, goal.state_before_archive or State.DRAFT, EventKind.GOAL_RESTORED
    )
