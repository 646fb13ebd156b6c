"""Checking in from the web: the one-screen batch, the inline check-in, the preview; My week."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest

from cascade.audit.models import AuditEvent
from cascade.core import clock
from cascade.goals.models import CheckIn, GoalProgress, KeyResult
from cascade.goals.my_week import STALE_AFTER
from cascade.orgs import services as orgs
from tests.builders import metric, milestone, progress
from tests.web.helpers import post_check_in, sign_in, url
from tests.web.page_forms import forms_on
from tests.web.page_parts import part, parts, text


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
    page = sign_in(client, vp).get(url(world, "check-in")).text
    assert "Deals closed" in page
    assert "Launched" in page
    assert "Company KR 1" not in page  # the CEO's, not mine


def test_saving_the_batch_records_every_entry_and_shows_the_seniors_new_progress(client, team):
    world, vp, company, deals, launch = team
    deals_kr, launch_kr = KeyResult.objects.get(goal=deals), KeyResult.objects.get(goal=launch)
    response = sign_in(client, vp).post(
        url(world, "check-in"),
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
        url(world, "check-in"),
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
        url(world, "check-in"), {f"kr{kr.pk}-confidence": "3", f"kr{kr.pk}-note": "Worried"}
    )
    latest = CheckIn.objects.filter(key_result=kr).latest("created_at", "id")
    assert (latest.value, latest.confidence, latest.note) == (Decimal(30), 3, "Worried")


def test_an_empty_batch_saves_nothing(client, team):
    world, vp, *_ = team
    response = sign_in(client, vp).post(url(world, "check-in"), {})
    assert response.status_code == 302
    assert CheckIn.objects.count() == 0


def rendered_batch(client, world) -> dict[str, list[str]]:
    """The batch form as the page renders it: what a browser sends when nothing is touched."""
    page = client.get(url(world, "check-in")).text
    (form,) = [f for f in forms_on(page) if any(n.endswith("-confidence") for n in f.names)]
    return form.data()


@pytest.fixture
def checked_in_team(team):
    """Every key result of the VP has a value and a confidence (prefilled on the page)."""
    world, _vp, _company, deals, launch = team
    world.check_in(deals, 30, confidence=6, note="Started")
    world.check_in(launch, 1, confidence=8)
    return team


def records() -> tuple[int, int, int]:
    return CheckIn.objects.count(), GoalProgress.objects.count(), AuditEvent.objects.count()


def test_an_untouched_batch_records_nothing(client, checked_in_team):
    world, vp, *_ = checked_in_team
    data = rendered_batch(sign_in(client, vp), world)
    before = records()
    response = client.post(url(world, "check-in"), data)
    assert response.status_code == 302  # "Nothing to save"
    assert records() == before


@pytest.mark.parametrize(
    ("field", "typed"), [("value", "45"), ("confidence", "2"), ("note", "Blocked on legal")]
)
def test_only_the_row_that_changed_is_recorded(client, checked_in_team, field, typed):
    world, vp, _company, deals, launch = checked_in_team
    deals_kr, launch_kr = KeyResult.objects.get(goal=deals), KeyResult.objects.get(goal=launch)
    data = rendered_batch(sign_in(client, vp), world)
    data[f"kr{deals_kr.pk}-{field}"] = [typed]
    checkins, _history, events = records()
    response = client.post(url(world, "check-in"), data)
    assert response.status_code == 200
    assert "Saved 1 check-in" in response.text
    assert CheckIn.objects.count() == checkins + 1
    assert not CheckIn.objects.filter(key_result=launch_kr).exclude(value=1).exists()
    assert CheckIn.objects.filter(key_result=launch_kr).count() == 1  # the fixture's only
    latest = CheckIn.objects.filter(key_result=deals_kr).latest("created_at", "id")
    expected = {"value": Decimal(30), "confidence": 6, "note": ""} | {
        field: Decimal(typed)
        if field == "value"
        else int(typed)
        if field == "confidence"
        else typed
    }
    assert (latest.value, latest.confidence, latest.note) == (
        expected["value"],
        expected["confidence"],
        expected["note"],
    )
    assert AuditEvent.objects.count() == events + 1


def test_unticking_a_done_milestone_is_recorded(client, checked_in_team):
    world, vp, _company, _deals, launch = checked_in_team
    launch_kr = KeyResult.objects.get(goal=launch)
    data = rendered_batch(sign_in(client, vp), world)
    assert data.pop(f"kr{launch_kr.pk}-done") == ["on"]
    assert "Saved 1 check-in" in client.post(url(world, "check-in"), data).text
    assert KeyResult.objects.get(pk=launch_kr.pk).current == 0


def test_the_preview_uses_the_same_rules_as_saving(client, team):
    world, vp, _company, deals, _launch = team
    kr = KeyResult.objects.get(goal=deals)
    sign_in(client, vp)
    preview = url(world, "kr-preview", kr.pk)
    assert "→ <strong>50 %</strong>" in client.get(preview, {f"kr{kr.pk}-value": "50"}).text
    exceeded = client.get(preview, {f"kr{kr.pk}-value": "150"}).text
    assert "100 %" in exceeded
    assert "150 %" in exceeded
    assert "Enter a number" in client.get(preview, {"value": "abc"}).text
    assert CheckIn.objects.count() == 0


def test_inline_check_in_with_htmx_returns_the_updated_figures(client, team):
    world, vp, _company, deals, _launch = team
    kr = KeyResult.objects.get(goal=deals)
    response = post_check_in(sign_in(client, vp), world, kr, value="25", confidence="6", htmx=True)
    assert response.status_code == 200
    assert 'id="goal-main"' in response.text
    assert "<html" not in response.text
    assert "25 %" in response.text
    refused = post_check_in(client, world, kr, value="x", htmx=True)
    assert "Enter a number." in refused.text
    assert KeyResult.objects.get(pk=kr.pk).current == Decimal(25)


def test_only_the_owner_or_a_super_user_checks_in(client, team):
    world, vp, _company, deals, _launch = team
    colleague = world.person("Carl Colleague", manager=vp)
    kr = KeyResult.objects.get(goal=deals)
    response = post_check_in(sign_in(client, colleague), world, kr, value="99")
    assert response.status_code == 403
    assert CheckIn.objects.count() == 0


def week_section(page: str, heading_id: str) -> str:
    return part(page, "section", aria_labelledby=heading_id)


def change_lines(page: str) -> list[str]:
    """The lines of "What changed since your last visit", as text."""
    return [text(li) for li in parts(week_section(page, "changes-heading"), "li")]


def test_my_week_shows_waiting_krs_my_goals_and_what_changed_since_my_last_visit(client, team):
    world, _vp, _company, deals, _launch = team
    later = clock.now() + timedelta(days=8)
    with clock.frozen_at(later - timedelta(hours=1)):
        page = sign_in(client, world.ceo).get(url(world)).text
    waiting = text(week_section(page, "waiting-heading"))
    assert "Company KR 1" in waiting  # never checked in for over a week since it was made
    assert "Deals closed" not in waiting  # Vera's, not mine
    assert "Welcome!" in text(week_section(page, "changes-heading"))  # first visit
    assert "Company" in text(week_section(page, "mine-heading"))
    with clock.frozen_at(later):
        world.check_in(deals, 60, note="Great week")
    with clock.frozen_at(later + timedelta(hours=1)):
        page = client.get(url(world)).text
    # Deals contributes to my goal: Vera's check-in on it is news to me.
    [line] = change_lines(page)
    assert line.startswith("Vera Vice checked in 60 on Deals")


def test_a_key_result_made_minutes_ago_is_not_waiting_for_a_check_in(client, team):
    world = team[0]
    made = clock.now()
    with clock.frozen_at(made + timedelta(minutes=35)):
        page = sign_in(client, world.ceo).get(url(world)).text
    assert "Company KR 1" not in text(week_section(page, "waiting-heading"))
    # The cadence counts from its creation: a week on, with no check-in, it waits.
    with clock.frozen_at(made + STALE_AFTER + timedelta(minutes=1)):
        page = client.get(url(world)).text
    assert "Company KR 1" in text(week_section(page, "waiting-heading"))
    # A check-in starts the week again.
    kr = world.kr(team[2])
    with clock.frozen_at(made + STALE_AFTER + timedelta(minutes=2)):
        world.check_in(team[2], 5)
    with clock.frozen_at(made + 2 * STALE_AFTER):
        page = client.get(url(world)).text
    assert kr.title not in text(week_section(page, "waiting-heading"))


# What "My week" shows of a team, seen by Vera on Nov 15, half way through Q4 2026 (Oct 1 - Dec
# 31, 92 days: 46 of them elapsed, so 50 % is expected; on track from 40 %, at risk from 25 %).
MID_QUARTER = datetime(2026, 11, 15, 9, tzinfo=UTC)


@pytest.fixture
def sales(world):
    """Team Sales: Vera (a VP) and Sam; Olga in Marketing. Everyone's goals in Q4 2026, made on
    its first day, with progress set before Nov 15: Sam's pipeline 0 % (private to the team), his training 30 %, his
    hiring 90 %; Vera's own plan 0 %; Olga's campaign 0 %, and her private "Secret deal" aligned
    under Vera's plan."""
    with clock.frozen_at(datetime(2026, 10, 1, 9, tzinfo=UTC)):  # the quarter's first day
        vera = world.person("Vera Vice", manager=world.ceo)
        sam = world.person("Sam Seller", manager=vera)
        olga = world.person("Olga Other", manager=world.ceo)
        team = orgs.create_team(actor=world.ceo, name="Sales", lead=vera, members=[sam])
        marketing = orgs.create_team(actor=world.ceo, name="Marketing", lead=olga)
        goals = {
            "pipeline": world.goal(
                "Sales pipeline", owner=sam, team=team, krs=[metric()], visibility="private"
            ),
            "training": world.goal("Sales training", owner=sam, team=team, krs=[metric()]),
            "hiring": world.goal("Sales hiring", owner=sam, team=team, krs=[metric()]),
            "plan": world.goal("Vera's plan", owner=vera, team=team, krs=[metric()]),
            "campaign": world.goal("Campaign", owner=olga, team=marketing, krs=[metric()]),
        }
        goals["secret"] = world.goal(
            "Secret deal",
            owner=olga,
            krs=[metric()],
            visibility="private",
            under={goals["plan"]: 1},
        )
        world.check_in(goals["training"], 30)
        world.check_in(goals["hiring"], 90)
    return SimpleNamespace(world=world, vera=vera, sam=sam, olga=olga, goals=goals)


def test_my_week_lists_my_teams_goals_at_risk_or_off_track(client, sales):
    with clock.frozen_at(MID_QUARTER):
        page = sign_in(client, sales.vera).get(url(sales.world)).text
    rows = {
        text(part(row, "a")): text(row)
        for row in parts(part(week_section(page, "attention-heading"), "tbody"), "tr")
    }
    # Sam's goals behind the expected 50 %: the pipeline (private, but Vera is in the team) is
    # off track, the training at risk. His hiring is on track, so it needs no attention.
    assert set(rows) == {"Sales pipeline", "Sales training"}
    assert "Off track" in rows["Sales pipeline"]
    assert "Sam Seller" in rows["Sales pipeline"]
    assert "At risk" in rows["Sales training"]
    # Vera's own plan is off track too, but it is hers: it is under "My goals", not here.
    mine = text(week_section(page, "mine-heading"))
    assert "Vera's plan" in mine
    assert "Off track" in mine


def test_my_week_says_when_nothing_in_my_teams_needs_attention(client, sales):
    with clock.frozen_at(MID_QUARTER):
        page = sign_in(client, sales.olga).get(url(sales.world)).text
    # Olga is alone in Marketing, and her own campaign (off track) is hers, not her team's news.
    attention = text(week_section(page, "attention-heading"))
    assert "Nothing at risk in your teams." in attention
    assert "Campaign" not in attention


def test_what_changed_leaves_out_my_own_changes_and_goals_i_may_not_see(client, sales):
    goals = sales.goals
    with clock.frozen_at(MID_QUARTER):
        first = sign_in(client, sales.vera).get(url(sales.world)).text
    assert "Welcome!" in text(week_section(first, "changes-heading"))
    world = sales.world
    for minute, (goal, value, actor) in enumerate(
        [
            ("pipeline", 20, sales.sam),  # on a private goal of my team: shown
            ("plan", 10, world.ceo),  # the CEO, on my goal: shown
            ("plan", 15, sales.vera),  # me: left out, I know what I did
            ("secret", 50, sales.olga),  # Olga's private goal under mine: hidden from me
            ("campaign", 40, sales.olga),  # on a goal I have nothing to do with
        ]
    ):
        with clock.frozen_at(MID_QUARTER + timedelta(hours=1, minutes=minute)):
            world.check_in(goals[goal], value, actor=actor)
    with clock.frozen_at(MID_QUARTER + timedelta(hours=2)):
        page = client.get(url(sales.world)).text
    lines = change_lines(page)
    assert len(lines) == 2, lines
    assert lines[0].startswith("Chief")  # newest first
    assert "checked in 10 on Vera's plan" in lines[0]
    assert lines[1].startswith("Sam Seller checked in 20 on Sales pipeline")
    changes = week_section(page, "changes-heading")
    assert "Vera Vice" not in text(changes)
    assert "Secret deal" not in changes
    assert f"/goals/{goals['secret'].pk}/" not in changes
    assert "Olga Other" not in text(changes)
    # The secret goal is hidden from Vera everywhere, not only here.
    assert client.get(url(sales.world, "goal-detail", goals["secret"].pk)).status_code == 404


def test_what_changed_says_so_when_nothing_did(client, sales):
    with clock.frozen_at(MID_QUARTER):
        sign_in(client, sales.vera).get(url(sales.world))
    with clock.frozen_at(MID_QUARTER + timedelta(hours=1)):
        sales.world.check_in(sales.goals["plan"], 15)  # only my own change
    with clock.frozen_at(MID_QUARTER + timedelta(hours=2)):
        page = client.get(url(sales.world)).text
    changes = week_section(page, "changes-heading")
    assert parts(changes, "li") == []
    assert text(changes).startswith("What changed since your last visit Nothing new since")
