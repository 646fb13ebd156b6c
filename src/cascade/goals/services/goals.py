"""Creating and editing goals, and starting one with its first key result and senior goal."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError

from cascade import permissions
from cascade.audit.models import EventKind
from cascade.audit.services import record
from cascade.core import clock
from cascade.core.errors import by_field, combine, invalid, invalid_fields
from cascade.core.text import LONG_TEXT, clean_text
from cascade.core.transactions import atomic_with_retries
from cascade.goals.models import Goal, State, Visibility
from cascade.goals.services._shared import OWNER_ONLY, _plain
from cascade.goals.services.contributions import align_goal
from cascade.goals.services.key_results import add_key_result
from cascade.goals.services.states import activate_goal
from cascade.notifications import events
from cascade.orgs.models import Member, Period, Team

HAND_OVER_RULE = (
    "You may hand a goal only to yourself or, as a super user or their manager, to your people."
)


def _goal_errors(
    *, visibility: str, period: Period, start_date: date | None, end_date: date | None
) -> dict[str, ValidationError]:
    errors: dict[str, ValidationError] = {}
    if visibility not in Visibility.values:
        errors["visibility"] = invalid("Choose public or private.", "visibility_unknown")
    starts = start_date or period.start
    ends = end_date or period.end
    if ends < starts:
        errors["end_date"] = invalid("The goal cannot end before it starts.", "ends_before_start")
    return errors


@atomic_with_retries
def create_goal(
    *,
    actor: Member,
    title: str,
    period: Period,
    owner: Member | None = None,
    team: Team | None = None,
    description: str = "",
    visibility: str = Visibility.PUBLIC,
    start_date: date | None = None,
    end_date: date | None = None,
    copied_from: Goal | None = None,
) -> Goal:
    """A new goal, in draft until it has a key result or a contributing goal."""
    owner = owner or actor
    permissions.require_same_organisation(actor, period, owner, team, copied_from)
    permissions.require(
        permissions.can_create_goal_for(actor, owner),
        "You may create goals for yourself; super users and managers may create them for their people.",
    )
    title = clean_text(title, "title", required=True)
    description = clean_text(description, "description", max_length=LONG_TEXT)
    errors = _goal_errors(
        visibility=visibility, period=period, start_date=start_date, end_date=end_date
    )
    if errors:
        raise combine(errors)
    goal = Goal.objects.create(
        organisation_id=actor.organisation_id,
        title=title,
        description=description,
        owner=owner,
        team=team,
        period=period,
        visibility=visibility,
        start_date=start_date,
        end_date=end_date,
        copied_from=copied_from,
        created_by=actor,
    )
    data = {"title": title, "owner": owner.pk, "period": period.pk, "visibility": visibility}
    if copied_from is not None:
        data["copied_from"] = copied_from.pk
    record(
        organisation=actor.organisation_id,
        actor=actor,
        kind=EventKind.GOAL_CREATED,
        subject=goal,
        goal=goal,
        data=data,
    )
    events.made_owner(actor=actor, goal=goal)
    return goal


EDITABLE_GOAL_FIELDS = {
    "title",
    "description",
    "owner",
    "team",
    "period",
    "visibility",
    "start_date",
    "end_date",
}


@atomic_with_retries
def update_goal(*, actor: Member, goal: Goal, **changes: Any) -> Goal:
    """Change a goal's title, description, owner, team, period, visibility or dates."""
    unknown = set(changes) - EDITABLE_GOAL_FIELDS
    if unknown:
        raise invalid_fields(
            dict.fromkeys(sorted(unknown), ("This field cannot be changed here.", "not_editable"))
        )
    permissions.require_same_organisation(
        actor, goal, changes.get("owner"), changes.get("team"), changes.get("period")
    )
    goal = Goal.objects.select_for_update().select_related("period").get(pk=goal.pk)
    permissions.require(permissions.can_edit_goal(actor, goal), OWNER_ONLY)
    if goal.state == State.ARCHIVED:
        raise invalid("An archived goal cannot be edited; restore it first.", "goal_archived")
    if "title" in changes:
        changes["title"] = clean_text(changes["title"], "title", required=True)
    if "description" in changes:
        changes["description"] = clean_text(
            changes["description"], "description", max_length=LONG_TEXT
        )
    new_owner = changes.get("owner")
    if "owner" in changes and new_owner is None:
        raise invalid("A goal needs an owner.", "required", "owner")
    if new_owner is not None and new_owner.pk != goal.owner_id:
        if not new_owner.is_active:
            raise invalid("This person is no longer active.", "member_inactive", "owner")
        # Handing a goal over follows the rule for creating one for that person.
        permissions.require(permissions.can_create_goal_for(actor, new_owner), HAND_OVER_RULE)
    if "period" in changes and changes["period"] is None:
        raise invalid("A goal needs a period.", "required", "period")
    errors = _goal_errors(
        visibility=changes.get("visibility", goal.visibility),
        period=changes.get("period", goal.period),
        start_date=changes.get("start_date", goal.start_date),
        end_date=changes.get("end_date", goal.end_date),
    )
    if errors:
        raise combine(errors)
    diff = {
        name: [_plain(getattr(goal, name)), _plain(value)]
        for name, value in changes.items()
        if _plain(getattr(goal, name)) != _plain(value)
    }
    if not diff:
        return goal
    for name, value in changes.items():
        setattr(goal, name, value)
    goal.updated_at = clock.now()
    goal.save()
    record(
        organisation=actor.organisation_id,
        actor=actor,
        kind=EventKind.GOAL_CHANGED,
        subject=goal,
        goal=goal,
        data=diff,
    )
    if "owner" in diff:
        events.made_owner(actor=actor, goal=goal)
    return goal


@atomic_with_retries
def start_goal(
    *,
    actor: Member,
    key_result: dict[str, Any] | None = None,
    senior: Goal | None = None,
    weight: object = 1,
    **goal_fields: Any,
) -> Goal:
    """Create a goal with its first key result and its senior goal in one step, and activate it.

    A key result's errors are reported under ``"key_result.<field>"``, so that they do not mix
    with the goal's own fields (both have a title).
    """
    goal = create_goal(actor=actor, **goal_fields)
    if key_result:
        try:
            add_key_result(actor=actor, goal=goal, **key_result)
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                raise
            raise combine({f"key_result.{k}": v for k, v in by_field(error).items()}) from None
    if senior is not None:
        align_goal(actor=actor, junior=goal, senior=senior, weight=weight)
    if key_result or senior is not None:
        goal = activate_goal(actor=actor, goal=goal)
    return goal
