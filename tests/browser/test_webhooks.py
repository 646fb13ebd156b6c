"""The webhooks settings in a browser, on a laptop and a phone: add one, see the secret once,
see its deliveries with a Replay button; nothing scrolls sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cascade.webhooks.models import Delivery, DeliveryStatus, Endpoint
from tests.browser.conftest import sign_in_through_form
from tests.browser.test_pages import PHONE
from tests.builders import make_world
from tests.web.helpers import url

pytestmark = pytest.mark.django_db(transaction=True)

LAPTOP = {"width": 1366, "height": 900}


@pytest.mark.parametrize(("viewport", "name"), [(LAPTOP, "laptop"), (PHONE, "phone")])
def test_adding_a_webhook_and_its_deliveries(browser, live_server, screenshot, viewport, name):
    world = make_world()
    world.goal("Grow revenue", krs=[{"kind": "metric", "start": 0, "target": 100}])
    context = browser.new_context(
        base_url=live_server.url, viewport=viewport, is_mobile=viewport == PHONE
    )
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        sign_in_through_form(page, world.ceo)
        page.goto(url(world, "settings-webhooks"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Webhooks")
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        screenshot(page, f"webhooks-empty-{name}")

        page.get_by_label("URL").fill("https://hooks.example.com/cascade/okr-events")
        page.get_by_label("Description").fill("Our data warehouse")
        page.get_by_label("key_result.checked_in").check()
        page.get_by_role("button", name="Add webhook").click()
        expect(page.get_by_role("status")).to_contain_text("shown this once")
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        screenshot(page, f"webhooks-secret-{name}")

        endpoint = Endpoint.objects.get()
        event_ids = [1, 2, 3]
        for n, (status, code, error) in zip(
            event_ids,
            [
                (DeliveryStatus.SUCCEEDED, 200, ""),
                (
                    DeliveryStatus.FAILED,
                    500,
                    "The endpoint answered 500. Gave up after 6 attempts.",
                ),
                (DeliveryStatus.PENDING, 503, "The endpoint answered 503."),
            ],
            strict=True,
        ):
            Delivery.objects.create(
                organisation=world.organisation,
                endpoint=endpoint,
                event_id=n,
                kind="key_result.checked_in",
                payload={},
                status=status,
                attempts=1 if status != DeliveryStatus.FAILED else 6,
                last_status_code=code,
                last_error=error,
            )
        page.goto(url(world, "settings-webhook", endpoint.pk))
        expect(page.get_by_role("button", name="Replay")).to_have_count(2)
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        screenshot(page, f"webhooks-deliveries-{name}")
        page.goto(url(world, "settings-webhooks"))
        screenshot(page, f"webhooks-list-{name}")
    finally:
        context.close()
    assert not errors, errors
