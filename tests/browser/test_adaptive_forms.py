"""Forms that adapt to the choice made (web.forms.shown_if + cascade.js), in a real browser; and
the KR form and goal page, with their numbers, at a desktop and a phone width."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from cascade.goals.models import KeyResult
from tests.browser.test_workspace import revenue_scene
from tests.web.helpers import url

pytestmark = pytest.mark.django_db(transaction=True)

# Does a select's chosen text fit in it, beside its arrow? (scrollWidth says nothing for a select.)
TEXT_FITS = """s => {
  const style = getComputedStyle(s);
  const context = document.createElement("canvas").getContext("2d");
  context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  const room = s.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 20;
  return context.measureText(s.selectedOptions[0].text).width <= room;
}"""
WIDTHS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


def test_choosing_milestone_hides_start_target_and_unit(page: Page, sign_in, screenshot):
    scene = revenue_scene()
    sign_in(page, scene.world.ceo)
    page.goto(url(scene, "kr-create", scene.company.pk))
    start, target, unit = (page.get_by_label(name) for name in ("Start value", "Target", "Unit"))
    direction = page.get_by_label("Direction")
    expect(start).to_be_visible()
    expect(target).to_be_visible()
    expect(direction).to_be_hidden()  # a metric has no direction

    page.get_by_label("Type").select_option("milestone")
    expect(start).to_be_hidden()
    expect(target).to_be_hidden()
    expect(unit).to_be_hidden()
    expect(direction).to_be_hidden()

    page.get_by_label("Type").select_option("threshold")
    expect(target).to_be_visible()
    expect(direction).to_be_visible()

    # A target typed before choosing "milestone" is not sent: the milestone saves as done / not done.
    page.get_by_label("Type").select_option("metric")
    target.fill("250")
    page.get_by_label("Type").select_option("milestone")
    page.get_by_label("Key result", exact=True).fill("Launch the shop")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("cell", name="Done / not done")).to_be_visible()
    kr = KeyResult.objects.get(title="Launch the shop")
    assert (kr.kind, kr.start, kr.target) == ("milestone", 0, 1)


def test_the_goal_sheet_shows_only_the_chosen_kinds_fields(page: Page, sign_in):
    scene = revenue_scene()
    sign_in(page, scene.seller)
    page.goto(url(scene, "person-sheet", scene.seller.pk))
    add = page.locator("form").filter(has=page.get_by_role("button", name="Add to the sheet"))
    expect(add.get_by_label(re.compile(r"^Title"))).to_be_visible()
    expect(add.get_by_label(re.compile(r"^Key result"))).to_be_hidden()
    add.get_by_label("Linked key result").check()
    expect(add.get_by_label(re.compile(r"^Title"))).to_be_hidden()
    expect(add.get_by_label(re.compile(r"^Key result"))).to_be_visible()
    expect(add.get_by_label(re.compile(r"^Goal"))).to_be_hidden()


@pytest.mark.parametrize("width", WIDTHS)
def test_screenshots_of_the_kr_form_and_goal_page(page: Page, sign_in, screenshot, width):
    scene = revenue_scene()
    page.set_viewport_size(WIDTHS[width])
    sign_in(page, scene.world.ceo)
    page.goto(url(scene, "kr-create", scene.company.pk))
    page.get_by_label("Type").select_option("threshold")
    kind = page.get_by_label("Type")
    # The chosen option's whole text fits in the closed dropdown.
    assert kind.evaluate(TEXT_FITS), "the chosen type's text is cut off"
    screenshot(page, f"kr-form-threshold-{width}")
    page.goto(url(scene, "goal-detail", scene.deals.pk))
    expect(page.get_by_text("0 → 100 deals")).to_be_visible()
    screenshot(page, f"goal-page-{width}")
