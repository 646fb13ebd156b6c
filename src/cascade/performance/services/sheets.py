"""Weighted goal sheets: their items, the values of own measures, and comments."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

from cascade import permissions
from cascade.audit.models import EventKind
from cascade.audit.services import record
from cascade.core.errors import NotFound, by_field, combine, invalid
from cascade.core.numbers import parse_number, parse_weight
from cascade.core.text import NOTE, clean_text, column_length
from cascade.core.transactions import atomic_with_retries
from cascade.goals.models import Goal, KeyResult
from cascade.orgs.models import Member, Period
from cascade.performance.locks import sheet_is_locked
from cascade.performance.models import GoalSheet, ItemKind, SheetComment, SheetItem, SheetItemUpdate


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
        raise invalid(
            f"The review cycle of {sheet.period.name} has moved past planning: the goals and weights "
            "of this sheet are locked.",
            "sheet_locked",
        )


def _measure(start: object, target: object, unit: str = "") -> dict[str, Decimal]:
    errors: dict[str, ValidationError] = {}
    values: dict[str, Decimal] = {}
    for name, raw in (("start", start), ("target", target)):
        try:
            values[name] = parse_number(raw, name, unit=unit)
        except ValidationError as error:
            errors[name] = by_field(error)[name][0]
    if not errors and values["start"] == values["target"]:
        errors["target"] = invalid(
            "The target must differ from the start value, or there is nothing to measure.",
            "target_equals_start",
        )
    if errors:
        raise combine(errors)
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
            raise invalid("Choose a key result you can see.", "not_visible", "key_result")
        fields |= {"key_result": key_result, "title": key_result.title}
    elif kind == ItemKind.GOAL:
        if goal is None or not permissions.can_view_goal(actor, goal):
            raise invalid("Choose a goal you can see.", "not_visible", "goal")
        fields |= {"goal": goal, "title": goal.title}
    else:
        raise invalid("Choose an own measure, a key result or a goal.", "kind_unknown", "kind")
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
        raise invalid(
            "This item takes its progress from the key result or goal it links to.",
            "linked_item",
            "value",
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
