"""The bell, the inbox and the notification settings in a browser, on a laptop and a phone:
the bell counts, opening an item goes to it and it is read, and nothing scrolls sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cascade.goals import services as goals
from cascade.notifications.models import Notification
from tests.browser.conftest import sign_in_through_form
from tests.browser.test_pages import PHONE, sales_scene
from tests.web.helpers import url

pytestmark = pytest.mark.django_db(transaction=True)

LAPTOP = {"width": 1366, "height": 900}


@pytest.mark.parametrize(("viewport", "name"), [(LAPTOP, "laptop"), (PHONE, "phone")])
def test_the_inbox_and_the_settings(browser, live_server, screenshot, viewport, name):
    scene = sales_scene()
    world, seller = scene.world, scene.seller
    goals.create_goal(
        actor=world.ceo, title="Open the Berlin office", period=world.period, owner=seller
    )
    goals.create_goal(
        actor=world.ceo, title="Hire two account executives", period=world.period, owner=seller
    )
    context = browser.new_context(
        base_url=live_server.url, viewport=viewport, is_mobile=viewport == PHONE
    )
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        sign_in_through_form(page, seller)
        unread = Notification.objects.filter(recipient=seller, read_at__isnull=True).count()
        assert unread >= 2
        bell = page.locator("a.bell")
        expect(bell.locator(".count")).to_have_text(f"{unread} unread")
        screenshot(page, f"notifications-bell-{name}")
        bell.click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        screenshot(page, f"notifications-inbox-{name}")

        page.get_by_role("button", name="You now own “Open the Berlin office”").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Open the Berlin office")
        expect(bell.locator(".count")).to_have_text(f"{unread - 1} unread")

        page.goto(url(world, "notification-preferences"))
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        screenshot(page, f"notifications-settings-{name}")
        page.locator('input[name="made_owner"][value="off"]').check()
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_role("status")).to_contain_text("saved")
    finally:
        context.close()
    assert not errors, errors
