"""Weighted goal sheets: items, live progress from linked KRs and goals, locking, rights."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cascade.audit.models import AuditEvent, EventKind
from cascade.core.errors import NotFound
from cascade.performance import selectors, services
from cascade.performance.models import SheetItem, SheetItemUpdate
from tests.builders import make_world, metric


def build_sheet(team):
    """40 on an own measure at 5 of 10, 30 on a KR at 8 of 10, 30 on a goal at 25 %."""
    measure = services.add_sheet_item(
        actor=team.report,
        sheet=team.sheet,
        kind="measure",
        title="Write the handbook",
        weight=40,
        start=0,
        target=10,
    )
    services.update_sheet_item(actor=team.report, item=measure, value=5, note="Half the chapters")
    services.add_sheet_item(
        actor=team.report, sheet=team.sheet, kind="key_result", key_result=team.kr, weight=30
    )
    services.add_sheet_item(
        actor=team.manager, sheet=team.sheet, kind="goal", goal=team.linked_goal, weight=30
    )
    team.world.check_in(team.kr_goal, 8)
    team.world.check_in(team.linked_goal, 25)
    return measure


def test_the_sheet_adds_up_weights_and_achieved_values(team):
    build_sheet(team)
    page = selectors.sheet_page(team.report, team.sheet)
    # 40 × 0.5 + 30 × 0.8 + 30 × 0.25 = 20 + 24 + 7.5 = 51.5 of 100
    assert page.totals.total_target == 100
    assert page.totals.achieved == pytest.approx(51.5)
    assert page.totals.percent == pytest.approx(0.515)
    assert [round(f.achieved, 6) for f in page.figures] == [20, 24, 7.5]


def test_a_linked_kr_moves_the_sheet_live(team):
    build_sheet(team)
    team.world.check_in(team.kr_goal, 10)  # the KR is done: 30 × 1.0 = 30 instead of 24
    page = selectors.sheet_page(team.report, team.sheet)
    assert page.totals.achieved == pytest.approx(57.5)


def test_own_measure_updates_are_kept_with_their_notes(team):
    measure = build_sheet(team)
    services.update_sheet_item(actor=team.report, item=measure, value=8, note="Almost there")
    notes = list(SheetItemUpdate.objects.filter(item=measure).values_list("value", "note"))
    assert [(int(v), n) for v, n in notes] == [(5, "Half the chapters"), (8, "Almost there")]
    with pytest.raises(ValidationError) as error:
        services.update_sheet_item(
            actor=team.report, item=SheetItem.objects.get(kind="key_result"), value=3
        )
    assert "value" in error.value.message_dict


def test_owner_and_manager_shape_the_sheet_others_may_not(team):
    build_sheet(team)
    item = SheetItem.objects.get(kind="goal")
    services.change_sheet_item(actor=team.manager, item=item, weight=50)
    assert selectors.sheet_page(team.manager, team.sheet).totals.total_target == 120
    with pytest.raises(PermissionDenied):
        services.change_sheet_item(actor=team.outsider, item=item, weight=1)
    with pytest.raises(PermissionDenied):
        services.update_sheet_item(
            actor=team.manager, item=SheetItem.objects.get(kind="measure"), value=9
        )
    with pytest.raises(NotFound):
        selectors.get_sheet(team.outsider, team.sheet.pk)
    assert (
        selectors.get_sheet(team.world.ceo, team.sheet.pk) == team.sheet
    )  # managers above, super users


def test_weights_lock_once_the_cycle_leaves_planning(team):
    build_sheet(team)
    cycle = team.cycle()
    services.advance_phase(actor=team.world.ceo, cycle=cycle)
    item = SheetItem.objects.get(kind="goal")
    with pytest.raises(ValidationError, match="locked"):
        services.change_sheet_item(actor=team.report, item=item, weight=99)
    with pytest.raises(ValidationError, match="locked"):
        services.add_sheet_item(
            actor=team.report, sheet=team.sheet, kind="measure", title="Late", weight=1, target=1
        )
    assert SheetItem.objects.get(pk=item.pk).weight == 30
    services.update_sheet_item(
        actor=team.report, item=SheetItem.objects.get(kind="measure"), value=7
    )  # values move on


def test_bad_items_are_refused_with_the_field_named(team):
    cases = [
        ({"kind": "measure", "title": "", "weight": 1, "target": 5}, "title"),
        ({"kind": "measure", "title": "x", "weight": 1, "start": 5, "target": 5}, "target"),
        ({"kind": "measure", "title": "x", "weight": -1, "target": 5}, "weight"),
        ({"kind": "measure", "title": "x", "weight": "lots", "target": 5}, "weight"),
        ({"kind": "key_result", "weight": 1}, "key_result"),
        ({"kind": "teleport", "weight": 1}, "kind"),
    ]
    for fields, field in cases:
        with pytest.raises(ValidationError) as error:
            services.add_sheet_item(actor=team.report, sheet=team.sheet, **fields)
        assert field in error.value.message_dict, fields
    assert not SheetItem.objects.exists()


def test_another_organisations_kr_cannot_be_linked(team, db):
    other = make_world()
    foreign = other.goal("Theirs", krs=[metric()])
    with pytest.raises(NotFound):
        services.add_sheet_item(
            actor=team.report,
            sheet=team.sheet,
            kind="key_result",
            key_result=other.kr(foreign),
            weight=1,
        )


def test_comments_from_the_manager_and_every_write_is_audited(team):
    build_sheet(team)
    services.comment_on_sheet(
        actor=team.manager, sheet=team.sheet, body="Great start on the handbook"
    )
    with pytest.raises(PermissionDenied):
        services.comment_on_sheet(actor=team.outsider, sheet=team.sheet, body="Nosy")
    kinds = list(
        AuditEvent.objects.filter(kind__startswith="goal_sheet.").values_list("kind", flat=True)
    )
    assert kinds.count(EventKind.SHEET_ITEM_ADDED) == 3
    assert EventKind.SHEET_ITEM_UPDATED in kinds
    assert EventKind.SHEET_COMMENTED in kinds
