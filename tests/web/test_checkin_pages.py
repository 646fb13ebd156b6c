"""Checking in from the web: the one-screen batch, the inline check-in, the preview; My week."""

from datetime import timedelta
from decimal import Decimal

import pytest

from cascade.core import clock
from cascade.goals.models import CheckIn, KeyResult
from tests.builders import metric, milestone, progress

PASSWORD = "pw-for-tests-only"


def url(world, path: str = "") -> str:
    return f"/o/{world.organisation.slug}/{path}"


def sign_in(client, member):
    client.logout()
    assert client.login(username=member.user.email, password=PASSWORD)
    return client


@pytest.fixture
def team(world):
    """A VP whose two goals contribute to the CEO's goal."""
    vp = world.person("Vera Vice", manager=world.ceo)
    company = world.goal("Company", krs=[metric(0, 10)])
    deals = world.goal(
        "Deals", owner=vp, krs=[metric(0, 100, title="Deals closed")], under={company: 1}
    )
    launch = world.goal("Launch", owner=vp, krs=[milestone(title="Launched")], under={company: 1})
    return world, vp, company, deals, launch


def test_the_batch_page_lists_my_key_results_with_their_values(client, team):
    world, vp, _company, _deals, _launch = team
    page = sign_in(client, vp).get(url(world, "check-in/")).text
    assert "Deals closed" in page
    assert "Launched" in page
    assert "Company KR 1" not in page  # the CEO's, not mine


def test_saving_the_batch_records_every_entry_and_shows_the_seniors_new_progress(client, team):
    world, vp, company, deals, launch = team
    deals_kr, launch_kr = KeyResult.objects.get(goal=deals), KeyResult.objects.get(goal=launch)
    response = sign_in(client, vp).post(
        url(world, "check-in/"),
        {
            f"kr{deals_kr.pk}-value": "50",
            f"kr{deals_kr.pk}-confidence": "7",
            f"kr{deals_kr.pk}-note": "Half way",
            f"kr{launch_kr.pk}-done": "on",
        },
    )
    assert response.status_code == 200
    assert CheckIn.objects.get(key_result=deals_kr).note == "Half way"
    assert CheckIn.objects.get(key_result=launch_kr).value == Decimal(1)
    # Company: (0 + 0.5 + 1) / 3 = 0.5
    assert progress(company) == pytest.approx(0.5)
    text = response.text
    assert "Saved 2 check-ins" in text
    assert "Company" in text
    assert "50 %" in text


def test_one_bad_row_refuses_the_whole_batch_with_the_error_on_that_row(client, team):
    world, vp, company, deals, launch = team
    deals_kr, launch_kr = KeyResult.objects.get(goal=deals), KeyResult.objects.get(goal=launch)
    response = sign_in(client, vp).post(
        url(world, "check-in/"),
        {f"kr{deals_kr.pk}-value": "lots", f"kr{launch_kr.pk}-done": "on"},
    )
    assert response.status_code == 400
    assert "Enter a number." in response.text
    assert CheckIn.objects.count() == 0
    assert progress(company) == 0.0


def test_a_confidence_only_update_keeps_the_value(client, team):
    world, vp, _company, deals, _launch = team
    world.check_in(deals, 30)
    kr = KeyResult.objects.get(goal=deals)
    sign_in(client, vp).post(
        url(world, "check-in/"), {f"kr{kr.pk}-confidence": "3", f"kr{kr.pk}-note": "Worried"}
    )
    latest = CheckIn.objects.filter(key_result=kr).latest("created_at", "id")
    assert (latest.value, latest.confidence, latest.note) == (Decimal(30), 3, "Worried")


def test_an_empty_batch_saves_nothing(client, team):
    world, vp, *_ = team
    response = sign_in(client, vp).post(url(world, "check-in/"), {})
    assert response.status_code == 302
    assert CheckIn.objects.count() == 0


def test_the_preview_uses_the_same_rules_as_saving(client, team):
    world, vp, _company, deals, _launch = team
    kr = KeyResult.objects.get(goal=deals)
    sign_in(client, vp)
    assert (
        "→ <strong>50 %</strong>"
        in client.get(url(world, f"key-results/{kr.pk}/preview/?kr{kr.pk}-value=50")).text
    )
    exceeded = client.get(url(world, f"key-results/{kr.pk}/preview/?kr{kr.pk}-value=150")).text
    assert "100 %" in exceeded
    assert "150 %" in exceeded
    assert (
        "Enter a number" in client.get(url(world, f"key-results/{kr.pk}/preview/?value=abc")).text
    )
    assert CheckIn.objects.count() == 0


def test_inline_check_in_with_htmx_returns_the_updated_figures(client, team):
    world, vp, _company, deals, _launch = team
    kr = KeyResult.objects.get(goal=deals)
    response = sign_in(client, vp).post(
        url(world, f"key-results/{kr.pk}/check-in/"),
        {f"kr{kr.pk}-value": "25", f"kr{kr.pk}-confidence": "6"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert 'id="goal-main"' in response.text
    assert "<html" not in response.text
    assert "25 %" in response.text
    refused = client.post(
        url(world, f"key-results/{kr.pk}/check-in/"),
        {f"kr{kr.pk}-value": "x"},
        headers={"HX-Request": "true"},
    )
    assert "Enter a number." in refused.text
    assert KeyResult.objects.get(pk=kr.pk).current == Decimal(25)


def test_only_the_owner_or_a_super_user_checks_in(client, team):
    world, vp, _company, deals, _launch = team
    colleague = world.person("Carl Colleague", manager=vp)
    kr = KeyResult.objects.get(goal=deals)
    response = sign_in(client, colleague).post(
        url(world, f"key-results/{kr.pk}/check-in/"), {f"kr{kr.pk}-value": "99"}
    )
    assert response.status_code == 403
    assert CheckIn.objects.count() == 0


def test_my_week_shows_waiting_krs_my_goals_and_what_changed_since_my_last_visit(client, team):
    world, _vp, _company, deals, _launch = team
    page = sign_in(client, world.ceo).get(url(world)).text
    assert "Company KR 1" in page  # never checked in: waiting
    assert "Welcome!" in page  # first visit
    later = clock.now() + timedelta(hours=2)
    with clock.frozen_at(later):
        world.check_in(deals, 60, note="Great week")
    with clock.frozen_at(later + timedelta(hours=1)):
        page = client.get(url(world)).text
    assert "Vera Vice" in page
    assert "checked in" in page
    assert "Deals" in page
