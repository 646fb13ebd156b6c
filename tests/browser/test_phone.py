"""On a phone (390 CSS px): the main navigation folds into a "Menu" disclosure and the goal
filters into "Filters"; on a laptop both are always open, with no disclosure to press."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import sign_in_through_form
from tests.browser.test_pages import PHONE, sales_scene
from tests.browser.test_workspace import main_nav
from tests.web.helpers import url

pytestmark = pytest.mark.django_db(transaction=True)

LAPTOP = {"width": 1366, "height": 900}


def open_page(browser: Browser, live_server, viewport, errors: list[str]):
    context = browser.new_context(
        base_url=live_server.url, viewport=viewport, is_mobile=viewport == PHONE
    )
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    return context, page


def menu(page: Page):
    return page.locator("details.nav-menu > summary")


def test_the_main_navigation_is_a_menu_on_a_phone(browser, live_server, screenshot):
    scene = sales_scene()
    errors: list[str] = []
    context, page = open_page(browser, live_server, PHONE, errors)
    try:
        sign_in_through_form(page, scene.seller)
        expect(menu(page)).to_be_visible()
        expect(main_nav(page).get_by_role("link", name="Goals")).to_be_hidden()
        screenshot(page, "phone-menu-closed")
        menu(page).click()
        goals = main_nav(page).get_by_role("link", name="Goals")
        expect(goals).to_be_visible()
        # The open menu lies over the page, full width, one link under the other.
        week = main_nav(page).get_by_role("link", name="My week").bounding_box()
        box = goals.bounding_box()
        assert week is not None
        assert box is not None
        assert box["y"] > week["y"]
        assert abs(box["x"] - week["x"]) < 2
        screenshot(page, "phone-menu-open")
        goals.click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Goals")
        expect(main_nav(page).get_by_role("link", name="Goals")).to_be_hidden()  # closed again
    finally:
        context.close()
    assert not errors, errors


def test_the_main_navigation_is_always_shown_on_a_laptop(browser, live_server):
    scene = sales_scene()
    errors: list[str] = []
    context, page = open_page(browser, live_server, LAPTOP, errors)
    try:
        sign_in_through_form(page, scene.seller)
        expect(menu(page)).to_be_hidden()
        expect(main_nav(page).get_by_role("link", name="Goals")).to_be_visible()
    finally:
        context.close()
    assert not errors, errors


def test_the_goal_filters_fold_away_on_a_phone(browser, live_server, screenshot):
    scene = sales_scene()
    errors: list[str] = []
    context, page = open_page(browser, live_server, PHONE, errors)
    try:
        sign_in_through_form(page, scene.seller)
        page.goto(url(scene, "goal-list"))
        filters = page.locator("details.filters > summary")
        search = page.get_by_role("searchbox", name="Search")
        expect(filters).to_have_text("Filters")
        expect(search).to_be_hidden()
        expect(page.get_by_role("link", name="Win new deals")).to_be_visible()
        screenshot(page, "phone-goals-filters-closed")
        filters.click()
        search.fill("deals")
        page.get_by_role("button", name="Filter").click()
        # Filtered: the list shows it, and the filters come back open, saying they are in use.
        expect(page.get_by_role("link", name="Win new deals")).to_be_visible()
        expect(page.get_by_role("link", name="Sales playbook")).to_have_count(0)
        expect(filters).to_have_text("Filters (in use)")
        expect(search).to_have_value("deals")
        screenshot(page, "phone-goals-filtered")
    finally:
        context.close()
    assert not errors, errors

    context, page = open_page(browser, live_server, LAPTOP, errors)
    try:
        sign_in_through_form(page, scene.seller)
        page.goto(url(scene, "goal-list"))
        expect(page.locator("details.filters > summary")).to_be_hidden()
        expect(page.get_by_role("searchbox", name="Search")).to_be_visible()
    finally:
        context.close()
    assert not errors, errors
