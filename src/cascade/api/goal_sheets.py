"""Weighted goal sheets: ``/members/{id}/goal-sheet``, ``/goal-sheets/{id}``, ``/goal-sheet-items/{id}``.

A person has one sheet per period, made on first use. Its items are an own measure (start →
target, updated with notes like a check-in), a linked key result or a linked goal (their
progress, live); each has a weight, and the weights add up to the sheet's total target. The
owner and their direct manager (and super users) shape the sheet until a review cycle of its
period leaves planning; managers higher up see it and comment.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from ninja.responses import Status

from cascade.api.auth import actor
from cascade.api.errors import errors, not_found
from cascade.api.fields import BodyId, Id, Note, Title, Unit, Value, Weight
from cascade.api.pagination import PageParams, page, page_of
from cascade.api.performance_out import (
    GoalSheetOut,
    ItemKindName,
    SheetCommentOut,
    SheetItemOut,
    SheetUpdateOut,
    SheetUpdatePage,
    goal_sheet,
    sheet_comment,
    sheet_item,
    sheet_update,
)
from cascade.goals import selectors as goal_selectors
from cascade.goals.selectors import current_period
from cascade.orgs import selectors as org_selectors
from cascade.orgs.models import Member
from cascade.performance import selectors, services
from cascade.performance.figures import live_figures
from cascade.performance.models import SheetItem, SheetItemUpdate

router = Router(tags=["goal sheets"])


class SheetQuery(Schema):
    period: Id | None = None


class SheetItemIn(Schema):
    model_config = {"extra": "forbid"}

    kind: ItemKindName
    weight: Weight = 1
    title: Title = ""
    unit: Unit = ""
    start: Value = 0
    target: Value | None = None
    key_result: BodyId | None = None
    goal: BodyId | None = None


class SheetItemPatch(Schema):
    model_config = {"extra": "forbid"}

    weight: Weight | None = None
    title: Title | None = None
    target: Value | None = None


class SheetUpdateIn(Schema):
    model_config = {"extra": "forbid"}

    value: Value
    note: Note = ""


class SheetCommentIn(Schema):
    model_config = {"extra": "forbid"}

    body: Note


def sheet_out(me: Member, sheet_id: int) -> dict[str, Any]:
    """A sheet the caller may see, with its live figures and totals."""
    sheet = selectors.get_sheet(me, sheet_id)
    return goal_sheet(selectors.sheet_page(me, sheet))


def item_out(me: Member, item_id: int) -> dict[str, Any]:
    item = SheetItem.objects.get(pk=item_id)
    return sheet_item(live_figures([item], viewer=me)[0])


@router.get(
    "/members/{member_id}/goal-sheet", response={200: GoalSheetOut, **errors(400, 401, 404)}
)
def get_member_goal_sheet(
    request: HttpRequest, member_id: Id, query: Query[SheetQuery]
) -> dict[str, Any]:
    """A person's goal sheet for a period (default: the current one), made empty on first use.
    Yours, your reports' (at any level) and, for super users, everyone's; others are 404."""
    me = actor(request)
    owner = selectors.get_sheet_owner(me, member_id)
    period = (
        org_selectors.get_period(me, query.period, "period")
        if query.period is not None
        else current_period(me.organisation_id, me.organisation.today())
    )
    if period is None:
        raise not_found("The organisation has no periods yet.", "period")
    return sheet_out(me, services.sheet_for(owner=owner, period=period).pk)


@router.get("/goal-sheets/{sheet_id}", response={200: GoalSheetOut, **errors(400, 401, 404)})
def get_goal_sheet(request: HttpRequest, sheet_id: Id) -> dict[str, Any]:
    """A goal sheet: its items with weight, live progress and achieved value, and the totals
    (`achieved` of `total_target`, and the fraction `percent`)."""
    return sheet_out(actor(request), sheet_id)


@router.post(
    "/goal-sheets/{sheet_id}/items", response={201: SheetItemOut, **errors(400, 401, 403, 404)}
)
def create_sheet_item(request: HttpRequest, sheet_id: Id, payload: SheetItemIn) -> Status:
    """Add a goal to the sheet (its owner, their manager or a super user; while planning).

    * `measure`: its own `title`, `unit`, `start` (default 0) and `target`;
    * `key_result`: the id of a key result you can see; its progress counts, live;
    * `goal`: the id of a goal you can see; its progress counts while it is active or closed.
    """
    me = actor(request)
    sheet = selectors.get_sheet(me, sheet_id)
    item = services.add_sheet_item(
        actor=me,
        sheet=sheet,
        kind=payload.kind,
        weight=payload.weight,
        title=payload.title,
        unit=payload.unit,
        start=payload.start,
        target=payload.target,
        key_result=(
            goal_selectors.get_key_result(me, payload.key_result, "key_result")
            if payload.key_result is not None
            else None
        ),
        goal=(
            goal_selectors.get_goal(me, payload.goal, "goal") if payload.goal is not None else None
        ),
    )
    return Status(201, item_out(me, item.pk))


@router.patch(
    "/goal-sheet-items/{item_id}", response={200: SheetItemOut, **errors(400, 401, 403, 404)}
)
def patch_sheet_item(request: HttpRequest, item_id: Id, payload: SheetItemPatch) -> dict[str, Any]:
    """Change an item's weight, and an own measure's title or target, while planning. Links
    take their title from what they link to: `title` and `target` change own measures only."""
    me = actor(request)
    item = services.change_sheet_item(
        actor=me,
        item=selectors.get_sheet_item(me, item_id),
        weight=payload.weight,
        title=payload.title,
        target=payload.target,
    )
    return item_out(me, item.pk)


@router.delete("/goal-sheet-items/{item_id}", response={204: None, **errors(400, 401, 403, 404)})
def delete_sheet_item(request: HttpRequest, item_id: Id) -> HttpResponse:
    """Remove an item from its sheet, while planning (the audit trail keeps its title and weight)."""
    me = actor(request)
    services.remove_sheet_item(actor=me, item=selectors.get_sheet_item(me, item_id))
    return HttpResponse(status=204)


@router.post(
    "/goal-sheet-items/{item_id}/updates",
    response={201: SheetUpdateOut, **errors(400, 401, 403, 404)},
)
def create_sheet_update(request: HttpRequest, item_id: Id, payload: SheetUpdateIn) -> Status:
    """Record an own measure's new value with a note, like a check-in (its owner or a super
    user; in any phase: reviews work from their snapshot)."""
    me = actor(request)
    update = services.update_sheet_item(
        actor=me, item=selectors.get_sheet_item(me, item_id), value=payload.value, note=payload.note
    )
    return Status(201, sheet_update(update))


@router.get(
    "/goal-sheet-items/{item_id}/updates", response={200: SheetUpdatePage, **errors(400, 401, 404)}
)
def list_sheet_updates(
    request: HttpRequest, item_id: Id, paging: Query[PageParams]
) -> dict[str, Any]:
    """The updates of an own measure, newest first."""
    item = selectors.get_sheet_item(actor(request), item_id)
    updates = (
        SheetItemUpdate.objects.filter(item=item)
        .select_related("author__user")
        .order_by("-created_at", "-id")
    )
    objects, meta = page_of(updates, paging)
    return page([sheet_update(u) for u in objects], meta)


@router.post(
    "/goal-sheets/{sheet_id}/comments",
    response={201: SheetCommentOut, **errors(400, 401, 403, 404)},
)
def create_sheet_comment(request: HttpRequest, sheet_id: Id, payload: SheetCommentIn) -> Status:
    """Comment on a sheet: its owner, their managers and super users."""
    me = actor(request)
    comment = services.comment_on_sheet(
        actor=me, sheet=selectors.get_sheet(me, sheet_id), body=payload.body
    )
    return Status(201, sheet_comment(comment))
