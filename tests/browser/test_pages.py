"""The other main pages in a real browser, each with its screenshot: people (the org chart, a
person, a team), the settings as a super user, and a goal's edit, copy and close pages.

The scene is test_workspace's (the CEO's "Grow revenue", Sam Seller's "Win new deals" under it
with weight 3), plus a team "Sales" led by Sam with his goal "Sales playbook", and the quarter
after the current one to copy goals into.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from cascade.goals.models import Goal
from cascade.orgs import services as orgs
from cascade.orgs.models import Period
from tests.browser.conftest import sign_in_through_form
from tests.browser.test_workspace import PERIOD, Scene, figure, main_nav, revenue_scene
from tests.builders import metric
from tests.web.helpers import url

pytestmark = pytest.mark.django_db(transaction=True)

NEXT_START = PERIOD[1] + timedelta(days=1)


def sales_scene() -> Scene:
    scene = revenue_scene()
    world = scene.world
    team = orgs.create_team(actor=world.ceo, name="Sales", lead=scene.seller)
    world.goal("Sales playbook", owner=scene.seller, team=team, krs=[metric(0, 10)])
    orgs.create_period(
        actor=world.ceo,
        name="Next quarter",
        start=NEXT_START,
        end=NEXT_START + timedelta(days=90),
    )
    return scene


def heading(page: Page):
    return page.get_by_role("heading", level=1)


# --------------------------------------------------------------------------- people


def test_the_org_chart_a_person_and_a_team(page: Page, sign_in, screenshot):
    scene = sales_scene()
    ceo = scene.world.ceo.user.full_name
    sign_in(page, scene.seller)

    main_nav(page).get_by_role("link", name="People").click()
    expect(heading(page)).to_have_text("People")
    chart = page.get_by_role("region", name="Org chart")
    top = chart.locator(".org-chart > li").filter(has=page.get_by_role("link", name=ceo))
    expect(top.get_by_text("1 report", exact=True)).to_be_visible()
    expect(top.locator("ul").get_by_role("link", name="Sam Seller")).to_be_visible()
    teams = page.get_by_role("complementary").filter(has=page.get_by_role("heading", name="Teams"))
    expect(teams.get_by_role("link", name="Sales")).to_be_visible()
    expect(teams).to_contain_text("led by Sam Seller")
    screenshot(page, "people-org-chart")

    chart.get_by_role("link", name="Sam Seller").click()
    expect(heading(page)).to_have_text("Sam Seller")
    goals = page.get_by_role("region", name=re.compile(r"^Goals"))
    expect(goals.get_by_role("link", name="Win new deals")).to_be_visible()
    expect(goals.get_by_role("link", name="Sales playbook")).to_be_visible()
    expect(goals.get_by_role("link", name="Grow revenue")).to_have_count(0)  # the CEO's
    reports_to = page.get_by_role("region", name="Reports to")
    expect(reports_to.get_by_role("link", name=ceo)).to_be_visible()
    screenshot(page, "person-page")

    page.get_by_role("region", name="Teams").get_by_role("link", name="Sales").click()
    expect(heading(page)).to_have_text("Sales")
    expect(page.get_by_text("Led by Sam Seller · 1 member")).to_be_visible()
    team_goals = page.get_by_role("region", name=re.compile(r"^Team goals"))
    expect(team_goals.get_by_role("link", name="Sales playbook")).to_be_visible()
    expect(team_goals.get_by_role("link", name="Win new deals")).to_have_count(0)  # no team
    members = page.get_by_role("region", name=re.compile(r"^Members"))
    expect(members.get_by_role("listitem").filter(has_text="Sam Seller")).to_contain_text("Lead")
    screenshot(page, "team-page")


# --------------------------------------------------------------------------- settings


def test_a_super_user_opens_the_settings(page: Page, sign_in, screenshot):
    scene = sales_scene()
    sign_in(page, scene.world.ceo)
    main_nav(page).get_by_role("link", name="Settings").click()
    expect(heading(page)).to_have_text("Settings")
    expect(page).to_have_url(re.compile(re.escape(url(scene, "org-settings")) + "$"))
    expect(page.get_by_role("region", name="People")).to_contain_text("2 active")
    expect(page.get_by_role("region", name="Teams")).to_contain_text("1 team")
    expect(page.get_by_role("region", name="Periods")).to_contain_text("2 periods")
    expect(page.get_by_label("Include goals in performance reviews")).not_to_be_checked()
    margins = page.get_by_role("region", name="Status margins")
    expect(margins.get_by_role("button", name="Save margins")).to_be_visible()
    screenshot(page, "settings")

    weekly = page.get_by_role("region", name="Weekly check-in")
    expect(weekly.get_by_label("Check-in day")).to_have_value("0")
    expect(weekly.get_by_label("At", exact=True)).to_have_value("09:00")
    weekly.get_by_label("Check-in day").select_option(label="Friday")
    weekly.get_by_label("Nudge those still behind").select_option(label="No nudge")
    weekly.get_by_label("Time zone").select_option("Europe/Berlin")
    weekly.get_by_role("button", name="Save check-in settings").click()
    expect(page.get_by_text("Check-in settings saved.")).to_be_visible()
    scene.world.organisation.refresh_from_db()
    assert scene.world.organisation.checkin_weekday == 4
    assert scene.world.organisation.timezone == "Europe/Berlin"
    assert scene.world.organisation.nudge_after_days == 0


def test_the_settings_fit_a_phone_screen(browser, live_server, screenshot):
    scene = sales_scene()
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, is_mobile=True)
    try:
        page = context.new_page()
        sign_in_through_form(page, scene.world.ceo)
        page.goto(url(scene, "org-settings"))
        expect(page.get_by_role("region", name="Weekly check-in")).to_be_visible()
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"the settings are {overflow}px wider than the phone"
        screenshot(page, "phone-settings")
    finally:
        context.close()


# --------------------------------------------------------------------------- edit, copy, close


def test_edit_copy_and_close_a_goal(page: Page, sign_in, screenshot):
    scene = sales_scene()
    sign_in(page, scene.seller)
    page.get_by_role("region", name="My goals").get_by_role("link", name="Win new deals").click()
    expect(heading(page)).to_have_text("Win new deals")

    # Edit: an empty title is refused next to the field, then a new title is saved.
    goal_actions = page.locator(".heading .actions")  # the goal's; each KR has an Edit link too
    goal_actions.get_by_role("link", name="Edit", exact=True).click()
    expect(heading(page)).to_have_text("Edit goal")
    title = page.get_by_label("Title")
    expect(title).to_have_value("Win new deals")
    title.fill("")
    page.get_by_role("button", name="Save").click()
    field = page.locator(".field.invalid").filter(has=page.get_by_label("Title"))
    expect(field.get_by_role("alert")).to_have_text("This field is required.")
    page.get_by_label("Title").fill("Win new deals in Spain")
    page.get_by_label("Description (optional)").fill("Spain first, then Portugal.")
    screenshot(page, "goal-edit")
    page.get_by_role("button", name="Save").click()
    expect(heading(page)).to_have_text("Win new deals in Spain")
    expect(page.get_by_role("status")).to_contain_text("Saved.")
    expect(page.get_by_text("Spain first, then Portugal.")).to_be_visible()

    # Copy it into the next quarter: the copy measures what is left (from 20 towards 100).
    main_nav(page).get_by_role("link", name="Goals").click()
    page.get_by_role("link", name="Copy unfinished goals to the next period").click()
    expect(heading(page)).to_have_text("Copy unfinished goals into the next period")
    offered = page.get_by_role("group", name=re.compile(r"^Unfinished goals in Q4 2026"))
    expect(offered.get_by_role("checkbox")).to_have_count(2)  # his two; not the CEO's goal
    expect(
        offered.get_by_role("checkbox", name=re.compile(r"^Win new deals in Spain"))
    ).to_be_checked()
    offered.get_by_role("checkbox", name=re.compile(r"^Sales playbook")).uncheck()
    next_quarter = Period.objects.get(organisation=scene.world.organisation, name="Next quarter")
    expect(page.get_by_label("Into period")).to_have_value(str(next_quarter.pk))
    screenshot(page, "goal-copy")
    page.get_by_role("button", name="Copy goals").click()
    expect(page.locator(".messages")).to_have_text("Copied 1 goal(s) into Next quarter.")
    expect(page.get_by_role("link", name="Win new deals in Spain")).to_be_visible()
    expect(page.get_by_role("link", name="Sales playbook")).to_have_count(0)
    copy = Goal.objects.get(period=next_quarter)
    assert copy.title == "Win new deals in Spain"

    # Close the original with a score: its progress stays as it was.
    page.goto(url(scene, "goal-detail", scene.deals.pk))
    goal_actions.get_by_role("link", name="Close…").click()
    expect(heading(page)).to_have_text("Close “Win new deals in Spain”")
    page.get_by_label("Score").fill("30 %")
    page.get_by_label("Partially achieved").check()
    page.get_by_label("What did we learn? (optional)").fill("Portugal can wait a quarter.")
    screenshot(page, "goal-close")
    page.get_by_role("button", name="Close goal").click()
    expect(page.get_by_role("status")).to_contain_text("Closed. Its progress now stays as it is.")
    expect(page.locator(".badge", has_text=re.compile(r"^Closed$"))).to_be_visible()
    expect(page.get_by_text("Partially achieved, score 30 %")).to_be_visible()
    expect(figure(page, "Progress")).to_have_text("20 %")


# --------------------------------------------------------------------------- on a phone


PHONE = {"width": 390, "height": 844}  # a common phone's CSS pixels


def test_the_main_pages_fit_a_phone_screen(browser, live_server, screenshot):
    """No page makes a phone scroll sideways: each one fits 390 CSS pixels across."""
    scene = sales_scene()
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, is_mobile=True)
    try:
        page = context.new_page()
        sign_in_through_form(page, scene.seller)
        for name, path in [
            ("my-week", url(scene)),
            ("check-in", url(scene, "check-in")),
            ("goals", url(scene, "goal-list")),
            ("goal", url(scene, "goal-detail", scene.company.pk)),
            ("tree", url(scene, "goal-tree")),
            ("people", url(scene, "people")),
            ("performance", url(scene, "performance")),
        ]:
            page.goto(path)
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{path} is {overflow}px wider than the phone"
            screenshot(page, f"phone-{name}")
    finally:
        context.close()


# --------------------------------------------------------------------------- a deep tree


def test_opening_a_deep_goal_in_the_tree_loads_its_juniors(page: Page, sign_in, screenshot):
    """The tree is sent three levels deep; opening a goal on the third fetches what is below."""
    scene = sales_scene()
    world = scene.world
    step = scene.deals  # level 1, under "Grow revenue"
    for level in (2, 3, 4):
        step = world.goal(f"Step {level}", owner=scene.seller, krs=[metric(0, 10)], under={step: 1})
    sign_in(page, scene.seller)
    page.goto(url(scene, "goal-tree"))
    tree = page.locator(".tree")

    def open_node(title: str) -> None:
        # The summary opens the node; its title is a link to the goal, so click beside it.
        summary = tree.locator("summary").filter(has=page.get_by_role("link", name=title))
        summary.locator(".twisty").first.click()

    open_node("Win new deals")  # level 1
    expect(tree.get_by_role("link", name="Step 2")).to_be_visible()
    assert tree.get_by_role("link", name="Step 3").count() == 0  # not sent with the page
    open_node("Step 2")  # level 2: its juniors come now
    expect(tree.get_by_role("link", name="Step 3")).to_be_visible()
    open_node("Step 3")
    expect(tree.get_by_role("link", name="Step 4")).to_be_visible()
    screenshot(page, "alignment-tree-opened")
