"""A manager completes a performance review in a real browser, with the goals column on.

The scene: Mona manages Rob; Rob's goal sheet has an own measure (weight 40, half done), a linked
key result (weight 30, 80 %) and a linked goal (weight 30, 25 %): 51.5 achieved of 100. The
organisation includes goals in reviews and the cycle is in the manager assessment phase.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from cascade.performance import services
from cascade.performance.models import Assessment, Review
from tests.builders import make_world
from tests.performance.scene import make_team
from tests.performance.test_sheets import build_sheet
from tests.web.helpers import url

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_manager_rates_goals_and_competencies_and_sees_the_overall_score(
    page: Page, sign_in, screenshot
):
    team = make_team(make_world("Acme Reviews"))
    build_sheet(team)
    services.set_goals_in_reviews(actor=team.world.ceo, enabled=True)
    cycle = team.cycle()
    cycle = services.advance_phase(actor=team.world.ceo, cycle=cycle)
    services.advance_phase(actor=team.world.ceo, cycle=cycle)
    review = Review.objects.get(cycle=cycle)

    sign_in(page, team.manager)
    page.get_by_role("link", name="Performance").click()
    page.get_by_role("table").get_by_role("link", name="Rob Report").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Rob Report")

    goals = page.get_by_label("Goals", exact=True)
    expect(goals).to_contain_text("51.5 achieved of a total target value of 100")
    expect(goals).to_contain_text("Write the handbook")
    expect(goals).to_contain_text("weight 40 · progress 50 % · achieved 20")
    screenshot(page, "manager-assessment")

    for competency in ("Ownership", "Collaboration"):
        page.get_by_label(f"Rating for {competency}").select_option("4")
    # goals weighted by the sheet: (5 × 40 + 3 × 30 + 2 × 30) / 100 = 3.5
    page.get_by_label("Rating for Write the handbook").select_option("5")
    page.get_by_label("Rating for Ship the product KR 1").select_option("3")
    page.get_by_label("Rating for Grow the community").select_option("2")
    page.get_by_label("Comment on Write the handbook").fill("The handbook is the team's bible now.")
    page.get_by_label("Overall comment").fill("A strong half; keep the community goal in sight.")
    page.get_by_role("button", name="Save draft").click()

    expect(page.get_by_role("status")).to_contain_text("Saved as a draft")
    expect(page.locator(".figure:has(.label:text-is('Goals')) .value")).to_have_text("3.5")
    expect(page.locator(".figure:has(.label:text-is('Competencies')) .value")).to_have_text("4")
    # overall: 3.5 × 0.5 + 4 × 0.5 = 3.75
    expect(page.locator(".figure:has(.label:text-is('Overall')) .value")).to_contain_text("3.75")

    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("status")).to_contain_text("Submitted")
    expect(page.get_by_text("Submitted", exact=False).first).to_be_visible()
    expect(page.get_by_role("button", name="Submit")).to_have_count(0)
    screenshot(page, "manager-assessment-submitted")

    assessment = Assessment.objects.get(review=review, kind="manager")
    assert assessment.submitted_at is not None
    assert page.url.endswith(url(team.world, "review", review.pk))
