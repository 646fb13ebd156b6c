"""The Content-Security-Policy in a real browser: the main pages load without a single violation
(no inline script or style left, htmx adds no <style>), and htmx and cascade.js still work.

Violations are caught twice: Chromium's console message ("Refused to … Content Security
Policy …") and the page's ``securitypolicyviolation`` events, recorded by an init script
(Playwright's init scripts are not subject to the page's policy).
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from cascade.orgs import services as orgs
from cascade.orgs.models import Team
from tests.browser.test_pages import sales_scene
from tests.browser.test_workspace import check_in_inline, figure
from tests.web.helpers import url

pytestmark = pytest.mark.django_db(transaction=True)

RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile + ":" + e.lineNumber);
});
"""


def watch_csp(page: Page) -> list[str]:
    reported: list[str] = []
    page.context.add_init_script(RECORD_VIOLATIONS)
    page.on(
        "console",
        lambda message: (
            reported.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return reported


def violations(page: Page, console: list[str]) -> list[str]:
    return console + page.evaluate("window.cspViolations || []")


def test_the_main_pages_report_no_csp_violation(page: Page, sign_in):
    scene = sales_scene()
    world = scene.world
    # A team under a team, so the settings and the org chart draw indents.
    sales = Team.objects.get(organisation=world.organisation, name="Sales")
    orgs.create_team(actor=world.ceo, name="Inside sales", parent=sales, lead=scene.seller)
    console = watch_csp(page)
    sign_in(page, world.ceo)
    pages = [
        url(scene),
        url(scene, "check-in"),
        url(scene, "goal-list"),
        url(scene, "goal-detail", scene.company.pk),
        url(scene, "goal-edit", scene.company.pk),
        url(scene, "goal-copy"),
        url(scene, "goal-tree"),
        url(scene, "performance"),
        url(scene, "people"),
        url(scene, "person", scene.seller.pk),
        url(scene, "org-settings"),
        url(scene, "settings-people"),
        url(scene, "settings-teams"),
        url(scene, "settings-periods"),
        reverse("password_change"),
        reverse("api-v1:openapi-view"),
    ]
    for path in pages:
        response = page.goto(path)
        assert response is not None
        assert response.status == 200, path
        assert "default-src 'self'" in (response.header_value("content-security-policy") or "")
        page.wait_for_load_state("networkidle")
        assert violations(page, console) == [], path
    # Swagger UI drew the operations under the policy.
    page.goto(reverse("api-v1:openapi-view"))
    expect(page.locator(".opblock").first).to_be_visible()
    assert violations(page, console) == []


def test_htmx_and_the_page_scripts_work_under_the_policy(page: Page, sign_in):
    scene = sales_scene()
    console = watch_csp(page)
    sign_in(page, scene.seller)

    # htmx: the inline check-in swaps the goal's figures without a reload.
    page.goto(url(scene, "goal-detail", scene.deals.pk))
    expect(figure(page, "Progress")).to_have_text("20 %")
    page.evaluate("window.stillHere = true")
    check_in_inline(page, "Deals signed", "80", "7", "Two big contracts signed")
    expect(figure(page, "Progress")).to_have_text("80 %")
    assert page.evaluate("window.stillHere") is True
    # htmx added no <style> of its own (its indicator rules are in cascade.css).
    assert page.locator("style").count() == 0

    # cascade.js: "Expand all" / "Collapse all" in the alignment tree, the period picker.
    page.goto(url(scene, "goal-tree"))
    branches = page.locator(".tree details")
    assert branches.count() > 0
    page.get_by_role("button", name="Collapse all").click()
    expect(page.locator(".tree details[open]")).to_have_count(0)
    page.get_by_role("button", name="Expand all").click()
    expect(page.locator(".tree details:not([open])")).to_have_count(0)
    page.get_by_label("Period").select_option(index=1)  # submits its form on change
    expect(page).to_have_url(re.compile(r"[?&]period=\d+"))

    assert violations(page, console) == []
