"""Comments in a browser: the @mention picker inserts a mention where the caret is, the comment
shows with the person linked, at laptop and phone widths."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cascade.goals import services
from tests.browser.conftest import sign_in_through_form
from tests.browser.test_pages import PHONE
from tests.builders import make_world
from tests.web.helpers import url

pytestmark = pytest.mark.django_db(transaction=True)

LAPTOP = {"width": 1366, "height": 900}


def scene():
    world = make_world("Acme")
    world.vera = world.person("Vera Owner", manager=world.ceo)
    world.olga = world.person("Olga Colleague")
    world.target = world.goal("Grow revenue", owner=world.vera, krs=[{"kind": "milestone"}])
    services.add_comment(
        actor=world.ceo,
        goal=world.target,
        body=f"Good start. @[Vera](member:{world.vera.pk}), what **blocks** the launch?\n\n"
        "- pricing page\n- [the brief](https://example.com/brief)",
    )
    return world


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1366", "390"])
def test_the_picker_inserts_a_mention_and_the_comment_shows_it(
    browser, live_server, screenshot, viewport
):
    world = scene()
    context = browser.new_context(
        base_url=live_server.url, viewport=viewport, is_mobile=viewport == PHONE
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        sign_in_through_form(page, world.vera)
        page.goto(url(world, "goal-detail", world.target.pk))
        page.get_by_label("Comment", exact=True).fill("Thanks! Asking ")
        page.get_by_label("Mention someone").fill("olg")
        choice = page.locator("[data-mention-picker] [data-insert]")
        expect(choice).to_have_text("Olga Colleague")
        screenshot(page, f"comments-picker-{viewport['width']}")
        choice.click()
        body = page.get_by_label("Comment", exact=True)
        expect(body).to_have_value(f"Thanks! Asking @[Olga Colleague](member:{world.olga.pk}) ")
        page.get_by_role("button", name="Comment", exact=True).click()
        mention = page.locator(".comment-body a.mention", has_text="@Olga Colleague")
        expect(mention).to_have_attribute("href", url(world, "person", world.olga.pk))
        page.locator("#comments").scroll_into_view_if_needed()
        screenshot(page, f"comments-{viewport['width']}")
        page.get_by_role("link", name="Edit", exact=True).last.click()
        expect(page.get_by_role("heading", name="Edit your comment")).to_be_visible()
        screenshot(page, f"comment-edit-{viewport['width']}")
    finally:
        context.close()
    assert not errors, errors
