"""Key results and their check-ins: ``/goals/{id}/key-results``, ``/key-results/{id}[/check-ins]``.

A key result is owned and updated by its goal's owner (or a super user). A check-in records a
new value; the goal's progress, and that of every goal above it, follows in the same request.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from cascade import permissions
from cascade.api import presenters
from cascade.api.auth import actor
from cascade.api.errors import errors
from cascade.api.fields import BodyId, Confidence, Id, Note, Title, Unit, Value, Weight
from cascade.api.pagination import PageParams, page, page_of
from cascade.api.schemas import CheckInOut, CheckInPage, DirectionName, KeyResultOut, KindName
from cascade.core.errors import NotFound, by_field, combine
from cascade.goals import selectors as goal_selectors
from cascade.goals import services
from cascade.goals.models import CheckIn, KeyResult, Source
from cascade.goals.selectors import key_result_rows
from cascade.orgs.models import Member

router = Router(tags=["key results"])

MAX_BATCH = 200  # more key results than anyone owns; a bigger body is a mistake or an attack


class KeyResultIn(Schema):
    model_config = {"extra": "forbid"}

    title: Title
    kind: KindName = "metric"
    start: Value | None = None
    target: Value | None = None
    unit: Unit = ""
    direction: DirectionName | None = None
    weight: Weight = 1
    rollup_into: BodyId | None = None


class KeyResultPatch(Schema):
    model_config = {"extra": "forbid"}

    title: Title | None = None
    kind: KindName | None = None
    start: Value | None = None
    target: Value | None = None
    unit: Unit | None = None
    direction: DirectionName | None = None
    weight: Weight | None = None
    rollup_into: BodyId | None = None


class CheckInIn(Schema):
    model_config = {"extra": "forbid"}

    value: Value
    confidence: Confidence | None = None
    note: Note = ""


def key_result_out(me: Member, kr: KeyResult) -> dict[str, Any]:
    row = key_result_rows([kr])[0]
    return presenters.key_result(row, full_errors=permissions.can_read_source_errors(me))


def _fresh(kr_id: int) -> KeyResult:
    return KeyResult.objects.get(pk=kr_id)


@router.post(
    "/goals/{goal_id}/key-results", response={201: KeyResultOut, **errors(400, 401, 403, 404)}
)
def create_key_result(request: HttpRequest, goal_id: Id, payload: KeyResultIn) -> Status:
    """Add a key result to a goal.

    * `metric`: from `start` (default 0) to `target`; lower is better when the target is below
      the start.
    * `milestone`: done (1) or not (0); start and target are 0 and 1.
    * `threshold`: stay `above` or `below` (`direction`) the line `target`, the line included.
    * `sum`: its value is the sum of the key results that name it in `rollup_into` (same unit).
    """
    me = actor(request)
    goal = goal_selectors.get_goal(me, goal_id)
    kr = services.add_key_result(
        actor=me,
        goal=goal,
        title=payload.title,
        kind=payload.kind,
        start=0 if payload.start is None else payload.start,
        target=payload.target,
        unit=payload.unit,
        direction=payload.direction or "",
        weight=payload.weight,
        rollup_into=(
            goal_selectors.get_key_result(me, payload.rollup_into, "rollup_into")
            if payload.rollup_into
            else None
        ),
    )
    return Status(201, key_result_out(me, _fresh(kr.pk)))


@router.get("/key-results/{key_result_id}", response={200: KeyResultOut, **errors(400, 401, 404)})
def get_key_result(request: HttpRequest, key_result_id: Id) -> dict[str, Any]:
    me = actor(request)
    return key_result_out(me, goal_selectors.get_key_result(me, key_result_id))


@router.patch(
    "/key-results/{key_result_id}", response={200: KeyResultOut, **errors(400, 401, 403, 404)}
)
def patch_key_result(
    request: HttpRequest, key_result_id: Id, payload: KeyResultPatch
) -> dict[str, Any]:
    """Change any of the fields sent. A key result with check-ins keeps its kind;
    `rollup_into: null` unlinks it from its sum."""
    me = actor(request)
    kr = goal_selectors.get_key_result(me, key_result_id)
    sent = payload.model_fields_set
    changes: dict[str, Any] = {
        name: getattr(payload, name)
        for name in ("title", "kind", "start", "target", "unit", "weight")
        if name in sent
    }
    if "direction" in sent:
        changes["direction"] = payload.direction or ""
    if "rollup_into" in sent:
        changes["rollup_into"] = (
            goal_selectors.get_key_result(me, payload.rollup_into, "rollup_into")
            if payload.rollup_into
            else None
        )
    services.update_key_result(actor=me, key_result=kr, **changes)
    return key_result_out(me, _fresh(kr.pk))


@router.delete("/key-results/{key_result_id}", response={204: None, **errors(400, 401, 403, 404)})
def delete_key_result(request: HttpRequest, key_result_id: Id) -> HttpResponse:
    """Delete a key result and its check-ins (the audit trail keeps a snapshot). An active
    goal keeps at least one key result or contributing goal."""
    me = actor(request)
    services.remove_key_result(
        actor=me, key_result=goal_selectors.get_key_result(me, key_result_id)
    )
    return HttpResponse(status=204)


@router.post(
    "/key-results/{key_result_id}/check-ins",
    response={201: CheckInOut, **errors(400, 401, 403, 404)},
)
def create_check_in(request: HttpRequest, key_result_id: Id, payload: CheckInIn) -> Status:
    """Record the key result's new value (a milestone: 1 done, 0 not done), with your
    confidence (0–10) and a note. The progress of its goal and of every goal above it is
    updated before the answer comes back."""
    me = actor(request)
    checkin = services.check_in(
        actor=me,
        key_result=goal_selectors.get_key_result(me, key_result_id),
        value=payload.value,
        confidence=payload.confidence,
        note=payload.note,
        source=Source.API,
    )
    return Status(201, presenters.check_in(checkin))


class BatchEntryIn(CheckInIn):
    key_result: BodyId


class BatchIn(Schema):
    model_config = {"extra": "forbid"}

    check_ins: list[BatchEntryIn] = Field(min_length=1, max_length=MAX_BATCH)


class MovedOut(Schema):
    goal: int
    title: str
    before: float | None
    after: float | None
    checked_in: bool = Field(description="The goal holds one of the key results checked in.")


class BatchOut(Schema):
    check_ins: list[CheckInOut]
    moved: list[MovedOut] = Field(
        description="The goals checked in and the goals above them you may see, with their "
        "progress before and after."
    )


@router.post("/check-ins", response={201: BatchOut, **errors(400, 401, 403, 404)})
def create_check_ins(request: HttpRequest, payload: BatchIn) -> Status:
    """Check in on several key results at once, all or none: the weekly check-in. Each goal's
    progress is recomputed once. An error names the entry: `check_ins.2.value`."""
    me = actor(request)
    wanted = [entry.key_result for entry in payload.check_ins]
    found = goal_selectors.get_key_results(me, wanted)
    index = {kr_id: i for i, kr_id in enumerate(wanted)}
    for i, kr_id in enumerate(wanted):
        if kr_id not in found:
            raise NotFound("No such key result.", f"check_ins.{i}.key_result")
    try:
        batch = services.check_in_many(
            actor=me,
            entries=[
                {
                    "key_result": found[entry.key_result],
                    "value": entry.value,
                    "confidence": entry.confidence,
                    "note": entry.note,
                }
                for entry in payload.check_ins
            ],
            source=Source.API,
        )
    except ValidationError as error:
        # The service names a refused entry by its key result; the API by its place in the list.
        raise combine(
            {
                f"check_ins.{index[int(kr_id)]}.{field}": refused
                for key, refused in by_field(error).items()
                for kr_id, _, field in [key.partition(".")]
            }
        ) from None
    visible = set(
        goal_selectors.visible_goals(me)
        .filter(pk__in=[m.goal.pk for m in batch.moved])
        .values_list("pk", flat=True)
    )
    return Status(
        201,
        {
            "check_ins": [presenters.check_in(c) for c in batch.check_ins],
            "moved": [
                {
                    "goal": m.goal.pk,
                    "title": m.goal.title,
                    "before": m.before,
                    "after": m.after,
                    "checked_in": m.checked_in,
                }
                for m in batch.moved
                if m.goal.pk in visible
            ],
        },
    )


@router.get(
    "/key-results/{key_result_id}/check-ins", response={200: CheckInPage, **errors(400, 401, 404)}
)
def list_check_ins(
    request: HttpRequest, key_result_id: Id, paging: Query[PageParams]
) -> dict[str, Any]:
    """The key result's check-ins, newest first."""
    kr = goal_selectors.get_key_result(actor(request), key_result_id)
    checkins = (
        CheckIn.objects.filter(key_result=kr)
        .select_related("author__user")
        .order_by("-created_at", "-id")
    )
    objects, meta = page_of(checkins, paging)
    return page([presenters.check_in(c) for c in objects], meta)
