"""``/goals``: list, create, read, change and archive goals, and move them through their states.

Goals start as drafts; ``activate`` needs a key result or a contributing goal. ``DELETE``
archives a goal (it stops counting anywhere and leaves the lists) without deleting anything;
``restore`` brings it back in the state it had.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.db.models import prefetch_related_objects
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from cascade import permissions
from cascade.api import presenters, reads
from cascade.api.auth import actor
from cascade.api.errors import errors, not_found
from cascade.api.fields import BodyId, Day, Id, LongText, Score, Search, Title
from cascade.api.pagination import PageParams, page, page_of
from cascade.api.schemas import GoalOut, GoalPage, GoalStateName, OutcomeName, StatusName
from cascade.api.schemas import VisibilityName as Visibility
from cascade.goals import selectors, services
from cascade.goals import selectors as goal_selectors
from cascade.goals.models import Goal
from cascade.goals.timeline import forecast_for, progress_history
from cascade.integrations.source_state import SOURCE
from cascade.orgs import selectors as org_selectors
from cascade.orgs.models import Member
from cascade.progress import Status as GoalStatus

router = Router(tags=["goals"])


class GoalFilters(Schema):
    period: Id | None = None
    team: Id | None = None
    owner: Id | None = None
    state: GoalStateName | None = None
    status: StatusName | None = None
    q: Search = ""


class GoalIn(Schema):
    model_config = {"extra": "forbid"}

    title: Title
    period: BodyId
    owner: BodyId | None = None
    team: BodyId | None = None
    description: LongText = ""
    visibility: Visibility = "public"
    start_date: Day | None = None
    end_date: Day | None = None


class GoalPatch(Schema):
    model_config = {"extra": "forbid"}

    title: Title | None = None
    period: BodyId | None = None
    owner: BodyId | None = None
    team: BodyId | None = None
    description: LongText | None = None
    visibility: Visibility | None = None
    start_date: Day | None = None
    end_date: Day | None = None


class CopyIn(Schema):
    model_config = {"extra": "forbid"}

    goals: Annotated[list[BodyId], Field(min_length=1, max_length=500)]
    period: BodyId


class CopyOut(Schema):
    copies: list[GoalOut] = Field(description="The new goals, in the order asked for.")
    already_copied: list[int] = Field(
        description="Goals left out: they were carried into the period before (their copy is "
        "not archived)."
    )


class CloseIn(Schema):
    model_config = {"extra": "forbid"}

    score: Score
    outcome: OutcomeName
    retrospective: LongText = ""


def goal_out(me: Member, goal_id: int) -> dict[str, Any]:
    """A goal the caller may see, as ``GET /goals/{id}`` shows it."""
    detail = selectors.goal_detail(me, goal_id, me.organisation.today())
    prefetch_related_objects([row.key_result for row in detail.key_results], *SOURCE)
    return presenters.goal(
        detail,
        forecast_for(detail.goal, progress_history(detail.goal)),
        full_errors=permissions.can_read_source_errors(me),
    )


def written(me: Member, goal: Goal) -> dict[str, Any]:
    """A goal just written, as it now stands (even if the change hid it from the writer)."""
    fresh = Goal.objects.select_related("owner__user", "team", "period").get(pk=goal.pk)
    detail = reads.goal_details(me, [fresh], me.organisation.today())[0]
    return presenters.goal(
        detail,
        reads.forecasts([fresh])[fresh.pk],
        full_errors=permissions.can_read_source_errors(me),
    )


@router.get("/goals", response={200: GoalPage, **errors(400, 401)})
def list_goals(
    request: HttpRequest, filters: Query[GoalFilters], paging: Query[PageParams]
) -> dict[str, Any]:
    """The goals you may see, like the web list: by period, then title. Without `state`,
    archived goals are left out. `status` is the status against time; `q` searches titles and
    descriptions (every word must appear)."""
    me = actor(request)
    today = me.organisation.today()
    goals = selectors.goal_list(
        me,
        selectors.GoalFilters(
            period=filters.period,
            team=filters.team,
            owner=filters.owner,
            state=filters.state,
            status=GoalStatus(filters.status) if filters.status else None,
            search=filters.q,
        ),
        today,
    )
    objects, meta = page_of(goals, paging)
    details = reads.goal_details(me, objects, today)
    forecast = reads.forecasts(objects)
    full = permissions.can_read_source_errors(me)
    return page([presenters.goal(d, forecast[d.goal.pk], full_errors=full) for d in details], meta)


@router.post("/goals", response={201: GoalOut, **errors(400, 401, 403, 404)})
def create_goal(request: HttpRequest, payload: GoalIn) -> Status:
    """A new goal, as a draft. `owner` defaults to you; super users and managers may create
    goals for their people."""
    me = actor(request)
    goal = services.create_goal(
        actor=me,
        title=payload.title,
        period=org_selectors.get_period(me, payload.period, "period"),
        owner=reads.optional(org_selectors.get_member, me, payload.owner, "owner"),
        team=reads.optional(org_selectors.get_team, me, payload.team, "team"),
        description=payload.description,
        visibility=payload.visibility,
        start_date=payload.start_date,
        end_date=payload.end_date,
    )
    return Status(201, written(me, goal))


@router.post("/goals/copy", response={200: CopyOut, 201: CopyOut, **errors(400, 401, 403, 404)})
def copy_goals(request: HttpRequest, payload: CopyIn) -> Status:
    """Carry goals into another `period` (at the end of a quarter, the unfinished ones): each
    copy keeps the title, owner, team and key results — a metric starts where the original
    stands — and contributes to the same senior goals where they run in the new period. The
    originals stay as they are. Active or closed goals you own (super users: anyone's); a goal
    carried into the period before is left out and listed in `already_copied`. 201 when
    something was copied, 200 when everything was there already."""
    me = actor(request)
    ids = list(dict.fromkeys(payload.goals))
    found = selectors.visible_goals(me).in_bulk(ids)
    if len(found) != len(ids):
        raise not_found("No such goal.", "goals")
    copied = services.copy_goals(
        actor=me,
        goals=[found[goal_id] for goal_id in ids],
        period=org_selectors.get_period(me, payload.period, "period"),
    )
    fresh = Goal.objects.select_related("owner__user", "team", "period").in_bulk(
        [copy.pk for copy in copied.copies]
    )
    copies = [fresh[copy.pk] for copy in copied.copies]
    details = reads.goal_details(me, copies, me.organisation.today())
    forecast = reads.forecasts(copies)
    return Status(
        201 if copies else 200,
        {
            "copies": [
                presenters.goal(
                    d, forecast[d.goal.pk], full_errors=permissions.can_read_source_errors(me)
                )
                for d in details
            ],
            "already_copied": [g.pk for g in copied.already_there],
        },
    )


@router.get("/goals/{goal_id}", response={200: GoalOut, **errors(400, 401, 404)})
def get_goal(request: HttpRequest, goal_id: Id) -> dict[str, Any]:
    """A goal with its key results, the goals it contributes to (`parents`) and the goals that
    contribute to it (`contributors`). A private goal you may not see is 404."""
    return goal_out(actor(request), goal_id)


@router.patch("/goals/{goal_id}", response={200: GoalOut, **errors(400, 401, 403, 404)})
def patch_goal(request: HttpRequest, goal_id: Id, payload: GoalPatch) -> dict[str, Any]:
    """Change any of the fields sent (the owner or a super user). `team`, `start_date` and
    `end_date` may be set to null."""
    me = actor(request)
    goal = goal_selectors.get_goal(me, goal_id)
    sent = payload.model_fields_set
    changes: dict[str, Any] = {
        name: getattr(payload, name)
        for name in ("title", "description", "visibility", "start_date", "end_date")
        if name in sent
    }
    if "owner" in sent:
        changes["owner"] = reads.optional(org_selectors.get_member, me, payload.owner, "owner")
    if "team" in sent:
        changes["team"] = reads.optional(org_selectors.get_team, me, payload.team, "team")
    if "period" in sent:
        changes["period"] = reads.optional(org_selectors.get_period, me, payload.period, "period")
    goal = services.update_goal(actor=me, goal=goal, **changes)
    return written(me, goal)


@router.delete("/goals/{goal_id}", response={200: GoalOut, **errors(400, 401, 403, 404)})
def delete_goal(request: HttpRequest, goal_id: Id) -> dict[str, Any]:
    """Archive the goal: nothing is deleted. It stops counting in the goals above it and leaves
    the lists (`state=archived` finds it); `POST /goals/{id}/restore` brings it back."""
    me = actor(request)
    return written(me, services.archive_goal(actor=me, goal=goal_selectors.get_goal(me, goal_id)))


@router.post("/goals/{goal_id}/activate", response={200: GoalOut, **errors(400, 401, 403, 404)})
def activate_goal(request: HttpRequest, goal_id: Id) -> dict[str, Any]:
    """Draft → active. Needs at least one key result or contributing goal."""
    me = actor(request)
    return written(me, services.activate_goal(actor=me, goal=goal_selectors.get_goal(me, goal_id)))


@router.post("/goals/{goal_id}/close", response={200: GoalOut, **errors(400, 401, 403, 404)})
def close_goal(request: HttpRequest, goal_id: Id, payload: CloseIn) -> dict[str, Any]:
    """Active → closed, with a score, an outcome and a retrospective note. A closed goal keeps
    the progress it had and keeps counting with it in the goals above."""
    me = actor(request)
    goal = services.close_goal(
        actor=me,
        goal=goal_selectors.get_goal(me, goal_id),
        score=payload.score,
        outcome=payload.outcome,
        retrospective=payload.retrospective,
    )
    return written(me, goal)


@router.post("/goals/{goal_id}/reopen", response={200: GoalOut, **errors(400, 401, 403, 404)})
def reopen_goal(request: HttpRequest, goal_id: Id) -> dict[str, Any]:
    """Closed → active."""
    me = actor(request)
    return written(me, services.reopen_goal(actor=me, goal=goal_selectors.get_goal(me, goal_id)))


@router.post("/goals/{goal_id}/restore", response={200: GoalOut, **errors(400, 401, 403, 404)})
def restore_goal(request: HttpRequest, goal_id: Id) -> dict[str, Any]:
    """Archived → the state it had before it was archived."""
    me = actor(request)
    return written(me, services.restore_goal(actor=me, goal=goal_selectors.get_goal(me, goal_id)))
