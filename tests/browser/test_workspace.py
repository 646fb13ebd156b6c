"""The workspace in a real browser: what a person does every week, through the UI only.

Each test builds its organisation with the builders, signs in through the login form and then only
clicks, types and reads what is on the screen. The scene: the CEO's "Grow revenue" (one KR at
40 %) and Sam Seller's "Win new deals" (one KR at 20 %) contributing to it with weight 3, so
"Grow revenue" is (40 × 1 + 20 × 3) / 4 = 25 %.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from cascade.core import clock
from cascade.goals.models import Goal, KeyResult
from cascade.orgs.models import Member
from tests.builders import World, make_world, metric
from tests.web.helpers import url

pytestmark = pytest.mark.django_db(transaction=True)

# A period around today, so that the flows work whatever day the suite runs.
TODAY = timezone.localdate()
PERIOD = (TODAY - timedelta(days=60), TODAY + timedelta(days=30))
SET_UP_ON = TODAY - timedelta(days=30)  # the goals and their first check-ins
A_PAST_DAY = TODAY - timedelta(days=20)  # asked in "As of a past date"


@dataclass
class Scene:
    world: World
    seller: Member
    company: Goal  # the senior goal
    deals: Goal  # contributes to it with weight 3
    deals_kr: KeyResult

    @property
    def slug(self) -> str:
        return self.world.organisation.slug


def at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def revenue_scene() -> Scene:
    with clock.frozen_at(at(SET_UP_ON)):
        world = make_world("Acme Browser", period=PERIOD)
        seller = world.person("Sam Seller", manager=world.ceo)
        company = world.goal("Grow revenue", krs=[metric(0, 100, title="Revenue index")])
        deals = world.goal(
            "Win new deals",
            owner=seller,
            krs=[metric(0, 100, title="Deals signed", unit="deals")],
            under={company: 3},
        )
        world.check_in(company, 40)
        world.check_in(deals, 20)
    return Scene(world, seller, company, deals, world.kr(deals))


def figure(page: Page, label: str) -> Locator:
    """One of the big numbers at the top of a goal page ("Progress", "Expected by now", …)."""
    return (
        page.locator("#goal-main .figure")
        .filter(has=page.locator(".label", has_text=re.compile(f"^{label}$")))
        .locator(".value")
    )


def main_nav(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Main")


# --------------------------------------------------------------------------- 1. sign in


def test_sign_in_lands_on_my_week(page: Page, sign_in, screenshot):
    scene = revenue_scene()
    page.goto(url(scene))
    login = re.escape(reverse("login"))
    expect(page).to_have_url(re.compile(login + r"\?next="))  # strangers are sent to sign in

    page.get_by_label("Email").fill(scene.seller.user.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()  # refused, with a message
    expect(page).to_have_url(re.compile(login))

    sign_in(page, scene.seller)
    expect(page).to_have_url(re.compile(re.escape(url(scene)) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My week")
    mine = page.get_by_role("region", name="My goals")
    expect(mine.get_by_role("link", name="Win new deals")).to_be_visible()
    expect(mine.get_by_role("img", name="Progress 20 %")).to_be_visible()
    # Not updated for a month: waiting for a check-in.
    waiting = page.get_by_role("region", name="Waiting for a check-in")
    expect(waiting.get_by_role("link", name="Deals signed")).to_be_visible()
    screenshot(page, "my-week")


# --------------------------------------------------------------------------- 2. create a goal


def test_create_a_goal_with_a_metric_kr_aligned_under_a_senior_goal(
    page: Page, sign_in, screenshot
):
    scene = revenue_scene()
    sign_in(page, scene.seller)
    page.get_by_role("link", name="New goal").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New goal")
    expect(page).to_have_url(re.compile(re.escape(url(scene, "goal-create")) + "$"))

    page.get_by_label("Title", exact=True).fill("Open the Spanish market")
    expect(page.get_by_label("Owner")).to_have_value(str(scene.seller.pk))
    page.get_by_label("Period").select_option(label="Q4 2026")
    page.get_by_label("Visibility").select_option(label="Everyone in the organisation")
    page.get_by_label("First key result").fill("Customers in Spain")
    page.get_by_label("Type").select_option("metric")
    page.get_by_label("Start value").fill("0")
    page.get_by_label("Target", exact=True).fill("25")
    page.get_by_label("Unit (optional)").fill("customers")

    # The senior goal picker: type part of the title, wait for htmx to bring the matching goal.
    picker = page.get_by_role("searchbox", name="Senior goal")
    with page.expect_response(lambda r: "/goals/search/" in r.url and "q=reven" in r.url):
        picker.click()
        picker.press_sequentially("reven")
    choices = page.get_by_role("radio")
    expect(choices).to_have_count(1)  # only "Grow revenue" matches: the search has narrowed
    choice = page.get_by_role("radio", name=re.compile(r"^Grow revenue"))
    choice.check()
    page.get_by_label("Weight in the senior goal").fill("2")
    screenshot(page, "goal-create")
    page.get_by_role("button", name="Create goal").click()

    # Its goal page: active, with its KR, aligned under the senior goal with the weight.
    expect(page.get_by_role("heading", level=1)).to_have_text("Open the Spanish market")
    # The new goal's id is not known here: its page's shape is what is checked.
    expect(page).to_have_url(re.compile(rf"/o/{scene.slug}/goals/\d+/$"))
    expect(page.get_by_role("status")).to_contain_text(
        "Created “Open the Spanish market”; it is active."
    )
    expect(page.locator(".badge", has_text=re.compile(r"^Active$"))).to_be_visible()
    krs = page.get_by_role("region", name="Key results")
    kr_row = krs.get_by_role("row").filter(has_text="Customers in Spain")
    expect(kr_row.get_by_role("cell", name="0 → 25 customers")).to_be_visible()
    parents = page.get_by_role("region", name="Contributes to")
    senior = parents.get_by_role("listitem").filter(has_text="Grow revenue")
    expect(senior.get_by_role("link", name="Grow revenue")).to_be_visible()
    expect(senior.get_by_text("weight 2", exact=True)).to_be_visible()
    screenshot(page, "goal-page")

    # The goals list has it; the alignment tree shows it under "Grow revenue".
    main_nav(page).get_by_role("link", name="Goals").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Goals")
    expect(page.get_by_role("link", name="Open the Spanish market")).to_be_visible()
    screenshot(page, "goals-list")

    main_nav(page).get_by_role("link", name="Alignment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Alignment · Q4 2026")
    top = page.locator(".tree > li").filter(
        has=page.get_by_role("link", name="Grow revenue", exact=True)
    )
    below = top.get_by_role("list")
    expect(below.get_by_role("link", name="Open the Spanish market")).to_be_visible()
    expect(below.get_by_role("link", name="Win new deals")).to_be_visible()
    screenshot(page, "alignment-tree")


# --------------------------------------------------------------------------- 3. check in inline


def check_in_inline(page: Page, kr_title: str, value: str, confidence: str, note: str) -> None:
    row = (
        page.get_by_role("region", name="Key results").get_by_role("row").filter(has_text=kr_title)
    )
    row.get_by_label("New value").fill(value)
    row.get_by_label("Confidence").select_option(confidence)
    row.get_by_label("Note").fill(note)
    row.get_by_role("button", name="Check in").click()


def test_inline_check_in_updates_the_goal_without_reloading(page: Page, sign_in, screenshot):
    scene = revenue_scene()
    sign_in(page, scene.seller)
    page.get_by_role("region", name="My goals").get_by_role("link", name="Win new deals").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Win new deals")
    expect(figure(page, "Progress")).to_have_text("20 %")
    url = page.url
    page.evaluate("window.cascadeNoReload = 'still the same page'")

    check_in_inline(page, "Deals signed", "80", "7", "Two big contracts signed")

    expect(figure(page, "Progress")).to_have_text("80 %")
    expect(figure(page, "Confidence")).to_have_text("7/10")
    expect(page.locator("#why-body")).to_contain_text("Now the progress is 80 %")
    kr_row = (
        page.get_by_role("region", name="Key results")
        .get_by_role("row")
        .filter(has_text="Deals signed")
    )
    expect(kr_row.get_by_role("cell", name="80 deals", exact=True)).to_be_visible()  # current value
    expect(kr_row.get_by_label("New value")).to_have_value("")  # a fresh form for the next one
    # No navigation happened: the JavaScript state of the page survived, the URL is the same.
    assert page.evaluate("window.cascadeNoReload") == "still the same page"
    assert page.url == url
    screenshot(page, "goal-page-after-inline-check-in")


# --------------------------------------------------------------------------- 4. the senior goal


def test_senior_goal_progress_changes_after_a_check_in(page: Page, sign_in, screenshot):
    scene = revenue_scene()
    sign_in(page, scene.seller)
    page.goto(url(scene, "goal-detail", scene.company.pk))
    expect(page.get_by_role("heading", level=1)).to_have_text("Grow revenue")
    expect(figure(page, "Progress")).to_have_text("25 %")  # (40 × 1 + 20 × 3) / 4

    contributors = page.get_by_role("region", name="Contributing goals")
    contributors.get_by_role("link", name="Win new deals").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Win new deals")
    check_in_inline(page, "Deals signed", "80", "8", "On track")
    expect(figure(page, "Progress")).to_have_text("80 %")

    page.get_by_role("region", name="Contributes to").get_by_role(
        "link", name="Grow revenue"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Grow revenue")
    # The weighted mean of its KR (40 %, weight 1) and the contributing goal (80 %, weight 3).
    assert (40 * 1 + 80 * 3) / (1 + 3) == 70
    expect(figure(page, "Progress")).to_have_text("70 %")
    screenshot(page, "senior-goal-page")


def test_an_exact_55_percent_shows_as_55(page: Page, sign_in):
    scene = revenue_scene()
    scene.world.check_in(scene.deals, 60)
    sign_in(page, scene.seller)
    page.goto(url(scene, "goal-detail", scene.company.pk))
    expect(page.get_by_role("heading", level=1)).to_have_text("Grow revenue")
    expect(figure(page, "Progress")).to_have_text("55 %", timeout=1_000)


# --------------------------------------------------------------------------- 5. why this number


def test_why_this_number_now_and_on_a_past_date(page: Page, sign_in, screenshot):
    scene = revenue_scene()
    with clock.frozen_at(at(TODAY - timedelta(days=2))):
        scene.world.check_in(scene.deals, 80)
    sign_in(page, scene.seller)
    page.goto(url(scene, "goal-detail", scene.company.pk))

    why = page.get_by_role("region", name="Why this number?")
    body = why.locator("#why-body")
    expect(body).to_contain_text("Now the progress is 70 %")
    goal_row = body.get_by_role("row").filter(has_text="Goal: Win new deals")
    expect(goal_row.get_by_role("cell")).to_have_text(
        ["Goal: Win new deals", "80 %", "3", "75 %", "+60 %"]
    )
    kr_row = body.get_by_role("row").filter(has_text="Key result: Revenue index")
    expect(kr_row.get_by_role("cell")).to_have_text(
        ["Key result: Revenue index", "40 %", "1", "25 %", "+10 %"]
    )
    expect(goal_row.get_by_role("link", name="Win new deals")).to_be_visible()

    # A past date: the explanation as it stood then (htmx swaps #why-body on change).
    with page.expect_response(lambda r: "/why/" in r.url and "as_of=" in r.url):
        why.get_by_label("As of a past date").fill(A_PAST_DAY.isoformat())
    shown_day = f"{A_PAST_DAY:%b} {A_PAST_DAY.day}, {A_PAST_DAY.year}"
    expect(body).to_contain_text(f"At the end of {shown_day} the progress was 25 %")
    expect(goal_row.get_by_role("cell")).to_have_text(
        ["Goal: Win new deals", "20 %", "3", "75 %", "+15 %"]
    )
    expect(kr_row.get_by_role("cell")).to_have_text(
        ["Key result: Revenue index", "40 %", "1", "25 %", "+10 %"]
    )
    screenshot(page, "why-this-number-past-date")


# --------------------------------------------------------------------------- 6. batch check-in


def test_batch_check_in_previews_and_shows_the_senior_goals(page: Page, sign_in, screenshot):
    scene = revenue_scene()
    sign_in(page, scene.seller)
    page.get_by_role("link", name="Check in on all my key results").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check in")
    expect(page).to_have_url(re.compile(re.escape(url(scene, "check-in")) + "$"))

    row = page.get_by_role("row").filter(has_text="Deals signed")
    expect(row.get_by_role("cell").nth(1)).to_contain_text("20 %")  # now
    row.get_by_label("New value for Deals signed").fill("80")
    row.get_by_label("Confidence for Deals signed").select_option("6")
    row.get_by_label("Note for Deals signed").fill("Pipeline is strong")
    expect(row.locator("td.preview")).to_have_text("20 % → 80 %")  # the live preview
    screenshot(page, "batch-check-in")

    page.get_by_role("button", name="Save check-ins").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Saved 1 check-in")
    mine = page.get_by_role("row").filter(has=page.get_by_role("link", name="Win new deals"))
    expect(mine.get_by_role("cell")).to_have_text(
        ["Win new deals yours", "Sam Seller", "20 %", "80 %"]
    )
    senior = page.get_by_role("row").filter(has=page.get_by_role("link", name="Grow revenue"))
    expect(senior.get_by_role("cell")).to_have_text(
        ["Grow revenue", scene.world.ceo.user.full_name, "25 %", "70 %"]
    )
    screenshot(page, "batch-check-in-saved")


# --------------------------------------------------------------------------- 7. settings refused


def test_member_who_is_not_a_super_user_is_refused_the_settings(page: Page, sign_in, screenshot):
    scene = revenue_scene()
    # A super user sees the Settings link (so its absence below means something).
    sign_in(page, scene.world.ceo)
    expect(main_nav(page).get_by_role("link", name="Settings")).to_be_visible()
    page.locator("details.account > summary").click()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, scene.seller)
    expect(main_nav(page).get_by_role("link", name="My week")).to_be_visible()
    expect(main_nav(page).get_by_role("link", name="Settings")).to_have_count(0)
    expect(page.get_by_role("link", name="Settings")).to_have_count(0)

    response = page.goto(url(scene, "org-settings"))
    assert response is not None
    assert response.status == 403
    expect(page.get_by_role("heading", name="You can't do that here")).to_be_visible()
    expect(page.get_by_text("Only super users can open the settings.")).to_be_visible()
    screenshot(page, "settings-refused")
