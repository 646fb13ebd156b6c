"""The goal pages: list, goal page, “Why this number?”, create, edit, align, close, states, KRs."""

import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cascade.audit.models import AuditEvent
from cascade.core import clock
from cascade.goals import selectors
from cascade.goals import services as goals_services
from cascade.goals.models import CheckIn, Contribution, Goal, KeyResult
from tests.builders import make_world, metric, milestone, progress
from tests.web.helpers import goals_in_bulk, post_check_in, queries, sign_in, url
from tests.web.page_parts import part, parts, text


def field_errors(page: str, name: str) -> str:
    """The error messages shown in the form field of the input or select called ``name``."""
    for field in parts(page, "div", class_="field"):
        if re.search(rf'<(input|select|textarea)[^>]* name="{name}"', field):
            return " ".join(text(e) for e in parts(field, "ul", class_="errors"))
    raise AssertionError(f"no field {name!r} on the page")


# --------------------------------------------------------------------------- list


def test_goal_list_shows_rows_with_progress_status_and_owner(signed_in, world):
    vp = world.person("Vera Vice", manager=world.ceo)
    goal = world.goal("Grow revenue", owner=vp, krs=[metric(0, 100)])
    world.check_in(goal, 40, confidence=6)
    page = signed_in.get(url(world, "goal-list"))
    assert page.status_code == 200
    text = page.text
    assert "Grow revenue" in text
    assert "Vera Vice" in text
    assert "40 %" in text
    assert 'class="status status-' in text


def test_goal_list_filters(signed_in, world):
    vp = world.person("Vera Vice", manager=world.ceo)
    world.goal("Grow revenue in Spain", owner=vp, krs=[metric()])
    world.goal("Hire engineers", krs=[metric()])
    text = signed_in.get(url(world, "goal-list", owner=vp.pk)).text
    assert "Grow revenue in Spain" in text
    assert "Hire engineers" not in text
    text = signed_in.get(url(world, "goal-list", q="engineers")).text
    assert "Hire engineers" in text
    assert "Spain" not in text
    assert (
        signed_in.get(url(world, "goal-list", status="nonsense", team="x", page="999")).status_code
        == 200
    )


def add_goals(world, count: int, *, mixed_with=None) -> None:
    """``count`` active goals at 50 %, each with a KR, each goal i contributing to goal (i−1)//3.

    ``mixed_with`` (a plain member and their team): a third of the goals are that member's and
    a third belong to someone else; half of them are private, and every other goal is the
    team's — so that member may see some private goals (their own, their team's) and not others.
    """
    owners, team = [world.ceo], None
    if mixed_with is not None:
        member, team = mixed_with
        owners = [world.ceo, member, world.person("Pete Private", manager=world.ceo)]
    goals_in_bulk(
        world,
        count,
        fan_out=3,
        owners=owners,
        team=team,
        private=lambda i: mixed_with is not None and i % 4 >= 2,
        progress=0.5,
    )


# The pages whose query counts are checked, each given its world and the first goal.
PAGES = {
    "goal-list": lambda world, goal: url(world, "goal-list"),
    "goal-list-on-track": lambda world, goal: url(world, "goal-list", status="on_track"),
    "goal-detail": lambda world, goal: url(world, "goal-detail", goal.pk),
    "goal-tree": lambda world, goal: url(world, "goal-tree"),
    "goal-tree-of-a-goal": lambda world, goal: url(world, "goal-tree", goal=goal.pk),
    "my-week": lambda world, goal: url(world),
}


@pytest.mark.parametrize("path", PAGES)
def test_pages_run_a_fixed_number_of_queries_with_20_or_2000_goals(client, db, path):
    counts = []
    for size in (20, 2000):
        world = make_world()
        add_goals(world, size)
        first = Goal.objects.filter(organisation=world.organisation).order_by("pk").first()
        world.check_in(first, Decimal("0.5"))
        sign_in(client, world.ceo)
        counts.append(queries(client, PAGES[path](world, first))[0])
    assert counts[0] == counts[1], counts


@pytest.mark.parametrize("path", PAGES)
def test_pages_run_a_fixed_number_of_queries_for_a_member_with_private_goals(client, db, path):
    """The same for a plain member, whom the private-goal filter applies to (not a super user)."""
    from cascade.orgs import services as orgs

    counts = []
    for size in (20, 2000):
        world = make_world()
        member = world.person("Mia Member", manager=world.ceo)
        team = orgs.create_team(actor=world.ceo, name="Squad", members=[member])
        add_goals(world, size, mixed_with=(member, team))
        goals = Goal.objects.filter(organisation=world.organisation).order_by("pk")
        first = goals.first()
        world.check_in(first, Decimal("0.5"))
        sign_in(client, member)
        # Hidden from Mia: the private goals that are neither hers nor her team's (goals 3, 11,
        # 15, …). Goal 0 has contributors she may see (1, and 2: private but her team's) and
        # one she may not (3).
        hidden = goals.exclude(pk__in=selectors.visible_goals(member))
        assert set(hidden.values_list("title", flat=True)) == {
            f"Goal {i}" for i in range(size) if i % 4 == 3 and i % 3 != 1
        }
        page = client.get(PAGES[path](world, first)).text
        assert "Goal 3<" not in page
        if path == "goal-detail":
            contributors = text(part(page, "section", aria_labelledby="contributors-heading"))
            assert "Goal 1" in contributors
            assert "Goal 2" in contributors
            assert "A private goal" in contributors
        counts.append(queries(client, PAGES[path](world, first))[0])
    assert counts[0] == counts[1], counts


# --------------------------------------------------------------------------- goal page


def test_goal_page_shows_krs_attainment_contributors_parents_history_and_trail(signed_in, world):
    vp = world.person("Vera Vice", manager=world.ceo)
    company = world.goal("Company", krs=[metric(0, 10)])
    sales = world.goal(
        "Sales", owner=vp, krs=[metric(0, 100, title="Deals", unit="deals")], under={company: 2}
    )
    world.goal("Junior", owner=vp, krs=[metric()], under={sales: 1})
    world.check_in(sales, 150, note="A record month")
    text = signed_in.get(url(world, "goal-detail", sales.pk)).text
    assert "150 %" in text  # raw attainment
    assert "Company" in text
    assert "weight 2" in text
    assert "Junior" in text  # the contributing goal
    assert "A record month" in text  # check-in history with the note
    assert "checked in" in text  # audit trail
    assert "<svg" in text
    assert 'class="expected"' in text


def test_a_goal_created_today_in_the_middle_of_the_quarter_is_not_behind(signed_in, world):
    # Nov 15 is half way through Q4: a goal of the period's start would expect 50 %. One made
    # today expects only today's part of the 47 days left, and its new KR is not overdue.
    today = datetime(2026, 11, 15, 9, tzinfo=UTC)
    with clock.frozen_at(today):
        goal = world.goal("Brand new", krs=[metric(0, 100, title="Fresh KR")])
        world.check_in(goal, 0)
    with clock.frozen_at(today + timedelta(minutes=35)):
        page = signed_in.get(url(world, "goal-detail", goal.pk)).text
        week = signed_in.get(url(world)).text
        listed = signed_in.get(url(world, "goal-list", status="off_track")).text
    figures = {
        text(part(f, "div", class_="label")): text(f) for f in parts(page, "div", class_="figure")
    }
    assert "On track" in figures["Status"]
    assert figures["Expected by now"] == "Expected by now 2 % since Nov 15"  # 1 of 47 days
    assert "Off track" not in page
    why = text(part(page, "p", id="why-expected"))
    assert "counted from the day the goal was created" in why
    assert "Nov 15 – Dec 31, 2026" in why
    assert "Fresh KR" not in text(part(week, "section", aria_labelledby="waiting-heading"))
    assert "Brand new" not in listed


def test_the_expected_progress_of_a_goal_of_the_period_counts_from_its_start(signed_in, world):
    with clock.frozen_at(datetime(2026, 10, 1, 9, tzinfo=UTC)):
        goal = world.goal("Since October", krs=[metric(0, 100)])
    with clock.frozen_at(datetime(2026, 11, 15, 9, tzinfo=UTC)):
        page = signed_in.get(url(world, "goal-detail", goal.pk)).text
    assert "Off track" in page  # 0 % of an expected 50 %
    assert "counted from the start of Q4 2026" in text(part(page, "p", id="why-expected"))


# The forecast: a least-squares line through the goal's progress history (docs/decisions.md,
# "Status against time"), drawn from the last point to the end of the period. Each goal has one
# metric KR 0 → 100 (adding it is the history's first point, at 0 %); the page is seen on Nov 15.
SEEN_ON = datetime(2026, 11, 15, 9, tzinfo=UTC)


def forecast_goal(world, created_on: date, check_ins: list[tuple[date, int]]):
    with clock.frozen_at(datetime.combine(created_on, time(8), tzinfo=UTC)):
        goal = world.goal("Forecast me", krs=[metric(0, 100)])
    for hour, (day, value) in enumerate(check_ins, start=10):
        with clock.frozen_at(datetime.combine(day, time(hour), tzinfo=UTC)):
            world.check_in(goal, value)
    return goal


def forecast_page(client, world, created_on: date, check_ins: list[tuple[date, int]]) -> str:
    """The page of a ``forecast_goal``, seen on SEEN_ON."""
    goal = forecast_goal(world, created_on, check_ins)
    with clock.frozen_at(SEEN_ON):
        return client.get(url(world, "goal-detail", goal.pk)).text


def forecast_parts(page: str) -> tuple[str, list[str], str]:
    """The "Forecast at the end" figure, the chart's forecast lines, and the chart's legend."""
    figure = next(
        f for f in parts(page, "div", class_="figure") if text(f).startswith("Forecast at the end")
    )
    chart = part(page, "section", aria_labelledby="chart-heading")
    return (
        text(part(figure, "div", class_="value")),
        parts(chart, "line", class_="forecast"),
        text(part(chart, "div", class_="legend")),
    )


def test_the_goal_page_shows_the_forecast_with_enough_check_ins(signed_in, world):
    # 10 % on Oct 2, 15 % on Oct 12, 20 % on Oct 22: half a point a day; Dec 31 is 90 days after
    # Oct 2, so the trend ends at 10 + 45 = 55 %.
    page = forecast_page(
        signed_in,
        world,
        date(2026, 10, 2),
        [(date(2026, 10, 2), 10), (date(2026, 10, 12), 15), (date(2026, 10, 22), 20)],
    )
    figure, lines, legend = forecast_parts(page)
    assert figure == "55 %"
    [line] = lines
    # From the last point to the end of the period (x 628) at 55 % (y = 194 − 0.55 × 184).
    assert 'x2="628.0"' in line
    assert 'y2="92.8"' in line
    assert "forecast" in legend


@pytest.mark.parametrize(
    ("created_on", "check_ins"),
    [
        (date(2026, 10, 2), [(date(2026, 10, 12), 10)]),  # one check-in: two points
        (  # three check-ins, all on the day the goal was made: no trend over time
            date(2026, 10, 12),
            [(date(2026, 10, 12), 10), (date(2026, 10, 12), 15), (date(2026, 10, 12), 20)],
        ),
    ],
    ids=["one-check-in", "three-on-one-day"],
)
def test_the_goal_page_shows_no_forecast_without_enough_check_ins(
    signed_in, world, created_on, check_ins
):
    page = forecast_page(signed_in, world, created_on, check_ins)
    figure, lines, legend = forecast_parts(page)
    assert figure == "not enough check-ins yet"
    assert lines == []
    assert "forecast" not in legend
    assert 'class="actual"' in page  # the chart itself is drawn


def test_three_check_ins_on_two_days_give_a_forecast(signed_in, world):
    page = forecast_page(
        signed_in,
        world,
        date(2026, 10, 2),
        [(date(2026, 10, 2), 10), (date(2026, 10, 12), 15), (date(2026, 10, 12), 20)],
    )
    figure, lines, _legend = forecast_parts(page)
    assert figure.endswith(" %")
    assert len(lines) == 1


def test_why_this_number_now_and_as_of_a_date(signed_in, world):
    senior = world.goal("Senior", krs=[metric(0, 10, title="Own KR")])
    junior = world.goal("Junior", krs=[metric(0, 10)], under={senior: 3})
    world.check_in(junior, 8)
    text = signed_in.get(url(world, "goal-why", senior.pk)).text
    assert "Junior" in text
    assert "Own KR" in text
    assert "+60 %" in text  # 0.8 × 3/4: trailing zeros dropped
    assert "60 %" in text
    past = signed_in.get(url(world, "goal-why", senior.pk, as_of="2020-01-01")).text
    assert "had no progress recorded" in past
    bad = signed_in.get(url(world, "goal-why", senior.pk, as_of="yesterday")).text
    assert "YYYY-MM-DD" in bad


def test_another_organisations_goal_is_not_found(signed_in, world, db):
    other = make_world()
    goal = other.goal("Theirs", krs=[metric()])
    kr = KeyResult.objects.get(goal=goal)
    for name in ("goal-detail", "goal-why", "goal-edit", "goal-align"):
        assert signed_in.get(url(world, name, goal.pk)).status_code == 404, name
    assert post_check_in(signed_in, world, kr, value="5").status_code == 404
    assert (
        signed_in.get(url(other, "goal-detail", goal.pk)).status_code == 404
    )  # not a member there
    assert KeyResult.objects.get(pk=kr.pk).current is None


def test_private_goals_are_hidden_from_members_who_may_not_see_them(client, world):
    outsider = world.person("Olga Outside", manager=world.ceo)
    secret = world.goal("Secret acquisition", krs=[metric()], visibility="private")
    sign_in(client, outsider)
    assert client.get(url(world, "goal-detail", secret.pk)).status_code == 404
    assert "Secret acquisition" not in client.get(url(world, "goal-list")).text
    assert "Secret acquisition" not in client.get(url(world, "goal-search", q="secret")).text


def test_a_link_to_a_hidden_goal_is_not_reached_by_its_id_on_the_web_either(client, world):
    """The web and the API look links up through one selector: both ends must be visible.
    Olga owns a goal the CEO aligned under a private goal of his; she sees the link as "A
    private goal", without a form to change it, and posting to it is 404 and changes nothing."""
    olga = world.person("Olga Outside", manager=world.ceo)
    secret = world.goal("Secret acquisition", krs=[metric()], visibility="private")
    mine = world.goal("Olga's goal", owner=olga, krs=[metric()])
    goals_services.align_goal(actor=world.ceo, junior=mine, senior=secret, weight=2)
    link = Contribution.objects.get(junior=mine, senior=secret)
    sign_in(client, olga)
    page = client.get(url(world, "goal-detail", mine.pk)).text
    assert "A private goal" in page
    assert f"contributions/{link.pk}/" not in page
    for data in ({"action": "weight", "weight": "5"}, {"action": "remove"}):
        assert client.post(url(world, "contribution", link.pk), data).status_code == 404
    assert Contribution.objects.get(pk=link.pk).weight == Decimal(2)


# --------------------------------------------------------------------------- create and edit


def test_create_a_goal_with_a_metric_kr_aligned_under_a_senior(signed_in, world):
    senior = world.goal("Company", krs=[metric()])
    response = signed_in.post(
        url(world, "goal-create"),
        {
            "title": "Win Spain",
            "owner": world.ceo.pk,
            "period": world.period.pk,
            "visibility": "public",
            "kr_title": "Deals closed",
            "kr_kind": "metric",
            "kr_start": "0",
            "kr_target": "20",
            "kr_unit": "deals",
            "senior_goal": senior.pk,
            "weight": "2",
        },
    )
    goal = Goal.objects.get(title="Win Spain")
    assert response.status_code == 302
    assert response["Location"].endswith(url(world, "goal-detail", goal.pk))
    assert goal.state == "active"
    assert KeyResult.objects.get(goal=goal).target == Decimal(20)
    assert Contribution.objects.get(junior=goal).weight == Decimal(2)


def test_create_shows_errors_next_to_fields_and_saves_nothing(signed_in, world):
    before = Goal.objects.count()
    form = {
        "owner": world.ceo.pk,
        "period": world.period.pk,
        "visibility": "public",
        "kr_title": "KR",
        "kr_kind": "metric",
        "kr_start": "5",
        "kr_target": "5",
        "weight": "1",
    }
    response = signed_in.post(url(world, "goal-create"), {"title": "", **form})
    assert response.status_code == 400
    assert "This field is required." in response.text
    response = signed_in.post(url(world, "goal-create"), {"title": "Valid", **form})
    assert response.status_code == 400
    assert "The target must differ from the start value" in response.text
    assert Goal.objects.count() == before


def test_edit_a_goal_and_members_cannot_edit_others_goals(client, world):
    goal = world.goal("Original", krs=[metric()])
    member = world.person("Max Member", manager=world.ceo)
    sign_in(client, world.ceo)
    data = {
        "title": "Renamed",
        "owner": world.ceo.pk,
        "period": world.period.pk,
        "visibility": "public",
    }
    assert client.post(url(world, "goal-edit", goal.pk), data).status_code == 302
    assert Goal.objects.get(pk=goal.pk).title == "Renamed"
    sign_in(client, member)
    assert client.get(url(world, "goal-edit", goal.pk)).status_code == 403
    assert (
        client.post(url(world, "goal-edit", goal.pk), {**data, "title": "Hijacked"}).status_code
        == 403
    )
    assert Goal.objects.get(pk=goal.pk).title == "Renamed"


def test_editing_a_goal_with_bad_input_shows_errors_next_to_the_fields_and_saves_nothing(
    signed_in, world
):
    goal = world.goal("Original", krs=[metric()], description="As it was")
    edit_url = url(world, "goal-edit", goal.pk)
    good = {
        "title": "Renamed",
        "description": "Changed",
        "owner": world.ceo.pk,
        "period": world.period.pk,
        "visibility": "public",
        "start_date": "",
        "end_date": "",
    }
    events = AuditEvent.objects.count()
    # What the form itself refuses: no title, a date that is no date, nobody as the owner.
    bad = signed_in.post(
        edit_url, {**good, "title": "   ", "end_date": "someday", "owner": "999999"}
    )
    assert bad.status_code == 400
    assert field_errors(bad.text, "title") == "This field is required."
    assert field_errors(bad.text, "end_date") == "Enter a valid date."
    assert "Select a valid choice" in field_errors(bad.text, "owner")
    assert field_errors(bad.text, "description") == ""  # no error where there is none
    # What the service refuses, the form being fine: the end before the start.
    backwards = signed_in.post(
        edit_url, {**good, "start_date": "2026-11-10", "end_date": "2026-11-01"}
    )
    assert backwards.status_code == 400
    assert field_errors(backwards.text, "end_date") == "The goal cannot end before it starts."
    assert 'value="Renamed"' in backwards.text  # what was typed stays in the form
    saved = Goal.objects.get(pk=goal.pk)
    assert (saved.title, saved.description, saved.start_date, saved.end_date) == (
        "Original",
        "As it was",
        None,
        None,
    )
    assert AuditEvent.objects.count() == events


def test_add_edit_and_remove_a_key_result(signed_in, world):
    goal = world.goal("Goal", krs=[metric(0, 10)])
    response = signed_in.post(
        url(world, "kr-create", goal.pk),
        {"title": "Second", "kind": "milestone", "start": "", "target": "", "weight": "1"},
    )
    assert response.status_code == 302
    second = KeyResult.objects.get(goal=goal, title="Second")
    response = signed_in.post(
        url(world, "kr-edit", second.pk),
        {
            "title": "Second, renamed",
            "kind": "milestone",
            "start": "0",
            "target": "1",
            "weight": "2",
        },
    )
    assert response.status_code == 302
    assert KeyResult.objects.get(pk=second.pk).weight == Decimal(2)
    bad = signed_in.post(
        url(world, "kr-edit", second.pk),
        {"title": "x", "kind": "metric", "start": "1", "target": "1", "weight": "-1"},
    )
    assert bad.status_code == 400
    assert KeyResult.objects.get(pk=second.pk).kind == "milestone"
    assert signed_in.post(url(world, "kr-remove", second.pk)).status_code == 302
    assert not KeyResult.objects.filter(pk=second.pk).exists()


# --------------------------------------------------------------------------- states and alignment


def test_close_with_a_score_then_reopen_archive_and_restore(signed_in, world):
    goal = world.goal("Goal", krs=[metric()])
    bad = signed_in.post(url(world, "goal-close", goal.pk), {"score": "1.5", "outcome": "achieved"})
    assert bad.status_code == 400
    assert "A score runs from 0 to 1 (0 % to 100 %)" in bad.text
    ok = signed_in.post(
        url(world, "goal-close", goal.pk),
        {"score": "0.7", "outcome": "partial", "retrospective": "Good"},
    )
    assert ok.status_code == 302
    assert Goal.objects.get(pk=goal.pk).state == "closed"
    for action, state in (("reopen", "active"), ("archive", "archived"), ("restore", "active")):
        assert signed_in.post(url(world, "goal-state", goal.pk, action)).status_code == 302
        assert Goal.objects.get(pk=goal.pk).state == state
    assert signed_in.post(url(world, "goal-state", goal.pk, "explode")).status_code == 404
    assert signed_in.get(url(world, "goal-state", goal.pk, "archive")).status_code == 405


def test_align_with_the_picker_change_weight_and_unlink(signed_in, world):
    senior = world.goal("Company revenue", krs=[metric()])
    junior = world.goal("Team revenue", krs=[metric(0, 10)])
    results = signed_in.get(url(world, "goal-search", q="company", exclude=junior.pk)).text
    assert "Company revenue" in results
    assert "Team revenue" not in results
    assert (
        signed_in.post(
            url(world, "goal-align", junior.pk), {"senior_goal": senior.pk, "weight": "2"}
        ).status_code
        == 302
    )
    link = Contribution.objects.get(junior=junior, senior=senior)
    cycle = signed_in.post(
        url(world, "goal-align", senior.pk), {"senior_goal": junior.pk, "weight": "1"}
    )
    assert cycle.status_code == 400
    assert "would close a cycle" in cycle.text
    signed_in.post(url(world, "contribution", link.pk), {"action": "weight", "weight": "3"})
    assert Contribution.objects.get(pk=link.pk).weight == Decimal(3)
    signed_in.post(url(world, "contribution", link.pk), {"action": "weight", "weight": "-3"})
    assert Contribution.objects.get(pk=link.pk).weight == Decimal(3)
    signed_in.post(url(world, "contribution", link.pk), {"action": "remove"})
    assert not Contribution.objects.filter(pk=link.pk).exists()


def test_aligning_a_junior_that_moves_the_seniors_asks_first_and_saves_on_confirm(signed_in, world):
    # Sales at 62 % (its KR) contributes to Company beside Company's own KR at 0 %. Linking
    # "New idea", at 0 %, with weight 1 under Sales halves Sales, and Company with it.
    company = world.goal("Company", krs=[metric(0, 100)])
    sales = world.goal("Sales", krs=[metric(0, 100)], under={company: 1})
    world.check_in(sales, 62)
    idea = world.goal("New idea", krs=[metric(0, 100)])
    world.check_in(idea, 0)
    assert progress(company) == pytest.approx(0.31)
    assert progress(sales) == pytest.approx(0.62)
    path = url(world, "goal-align", idea.pk)
    with CaptureQueriesContext(connection) as captured:
        page = signed_in.post(path, {"senior_goal": sales.pk, "weight": "1"})
    assert page.status_code == 200
    writes = [
        q["sql"] for q in captured if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))
    ]
    assert not [w for w in writes if "cascade_cache" not in w and "session" not in w]
    assert not Contribution.objects.filter(junior=idea).exists()  # nothing saved yet
    preview = text(part(page.text, "section", id="align-preview"))
    assert "Aligning this will move Sales from 62 % to 31 %" in preview
    assert "Aligning this will move Company from 31 % to 16 %" in preview
    assert "Confirm and align" in page.text
    # Another weight is another preview: the confirmation was for weight 1.
    confirm = re.search(r'name="confirm" value="([^"]+)"', page.text)[1]
    again = signed_in.post(path, {"senior_goal": sales.pk, "weight": "3", "confirm": confirm})
    assert again.status_code == 200
    assert "from 62 % to 16 %" in text(part(again.text, "section", id="align-preview"))
    assert not Contribution.objects.filter(junior=idea).exists()
    saved = signed_in.post(path, {"senior_goal": sales.pk, "weight": "1", "confirm": confirm})
    assert saved.status_code == 302
    assert progress(sales) == pytest.approx(0.31)  # what the preview said
    assert Contribution.objects.filter(junior=idea, senior=sales).exists()


def test_the_align_preview_agrees_with_saving_and_leaves_out_what_does_not_move(world):
    from cascade.goals.previews import alignment_preview

    company = world.goal("Company", krs=[metric(0, 100)])
    sales = world.goal("Sales", krs=[metric(0, 100)], under={company: 2})
    other = world.goal("Other senior", krs=[metric(0, 100)], under={company: 1})
    world.check_in(sales, 80)
    world.check_in(other, 20)
    junior = world.goal("Junior", krs=[metric(0, 100)])
    world.check_in(junior, 10)
    moves = alignment_preview(world.ceo, junior=junior, senior=sales, weight=Decimal("0.5"))
    assert [m.goal.title for m in moves] == ["Sales", "Company"]  # nearest first
    assert "Other senior" not in {m.goal.title for m in moves}
    goals_services.align_goal(actor=world.ceo, junior=junior, senior=sales, weight="0.5")
    assert [m.after for m in moves] == [progress(sales), progress(company)]
    # Nothing to preview for a link that exists, or one that would close a cycle.
    assert alignment_preview(world.ceo, junior=junior, senior=sales, weight=Decimal(1)) is None
    assert alignment_preview(world.ceo, junior=company, senior=junior, weight=Decimal(1)) is None
    # A goal may contribute to several: under Other senior too, beside its link to Sales.
    [first, second] = alignment_preview(world.ceo, junior=junior, senior=other, weight=Decimal(1))
    assert (first.goal.title, second.goal.title) == ("Other senior", "Company")


def test_an_align_that_moves_nothing_saves_at_once(signed_in, world):
    senior = world.goal("Senior", krs=[metric(0, 100)])
    world.check_in(senior, 50)
    draft = world.goal("Draft junior", krs=[metric(0, 100)], activate=False)
    page = signed_in.post(
        url(world, "goal-align", draft.pk), {"senior_goal": senior.pk, "weight": "1"}
    )
    assert page.status_code == 302  # a draft does not count: no goal moves
    assert Contribution.objects.filter(junior=draft, senior=senior).exists()


def test_a_bad_weight_on_the_align_form_is_a_form_error(signed_in, world):
    senior = world.goal("Senior", krs=[metric(0, 100)])
    junior = world.goal("Junior", krs=[metric(0, 100)])
    page = signed_in.post(
        url(world, "goal-align", junior.pk), {"senior_goal": senior.pk, "weight": "-1"}
    )
    assert page.status_code == 400
    assert "cannot be negative" in field_errors(page.text, "weight")


def test_copy_unfinished_goals_into_the_next_period(signed_in, world):
    from cascade.orgs import services as orgs

    q1 = orgs.create_period(
        actor=world.ceo,
        name="Q1 2027",
        start=world.period.end.replace(year=2027, month=1, day=1),
        end=world.period.end.replace(year=2027, month=3, day=31),
    )
    goal = world.goal("Unfinished", krs=[metric(0, 100)])
    world.check_in(goal, 40)
    response = signed_in.post(
        url(world, "goal-copy"), {"source": world.period.pk, "target": q1.pk, "goals": [goal.pk]}
    )
    assert response.status_code == 302
    copy = Goal.objects.get(period=q1, title="Unfinished")
    kr = KeyResult.objects.get(goal=copy)
    assert (kr.start, kr.target) == (Decimal(40), Decimal(100))  # measures what is left
    assert copy.state == "active"
    assert Goal.objects.get(pk=goal.pk).state == "active"  # the original stays


@pytest.fixture
def quarters(world):
    """Q4 2026 (the world's period), Q1 2027 after it and the year Jul 2026 - Jun 2027 around
    both. Vera manages Rob; Pat is a colleague. Their goals in Q4 2026."""
    from cascade.orgs import services as orgs

    q1 = orgs.create_period(
        actor=world.ceo, name="Q1 2027", start=date(2027, 1, 1), end=date(2027, 3, 31)
    )
    year = orgs.create_period(
        actor=world.ceo,
        name="FY 2026/27",
        kind="year",
        start=date(2026, 7, 1),
        end=date(2027, 6, 30),
    )
    vera = world.person("Vera Vice", manager=world.ceo)
    rob = world.person("Rob Report", manager=vera)
    pat = world.person("Pat Peer", manager=world.ceo)
    goals = {
        "mine": world.goal("Vera unfinished", owner=vera, krs=[metric(0, 100)]),
        "finished": world.goal("Vera finished", owner=vera, krs=[metric(0, 100)]),
        "draft": world.goal("Vera draft", owner=vera),
        "report": world.goal("Rob unfinished", owner=rob, krs=[metric(0, 100)]),
        "peer": world.goal("Pat unfinished", owner=pat, krs=[metric(0, 100)]),
        "private": world.goal("Pat private", owner=pat, krs=[metric(0, 100)], visibility="private"),
    }
    world.check_in(goals["mine"], 40)
    world.check_in(goals["finished"], 100)
    return SimpleNamespace(world=world, q1=q1, year=year, vera=vera, rob=rob, pat=pat, goals=goals)


def copy_page_choices(page: str) -> set[int]:
    """The goals the copy page offers, by id (its checkboxes)."""
    return {
        int(re.search(r'value="(\d+)"', box).group(1))
        for box in parts(page, "input", type="checkbox", name="goals")
    }


def test_the_copy_page_offers_the_chosen_periods_goals_into_the_period_after_it(client, quarters):
    from cascade.orgs import services as orgs

    world = quarters.world
    q2 = orgs.create_period(
        actor=world.ceo, name="Q2 2027", start=date(2027, 4, 1), end=date(2027, 6, 30)
    )
    in_q1 = world.goal("Vera in Q1", owner=quarters.vera, krs=[metric()], period=quarters.q1)
    sign_in(client, quarters.vera)
    default = client.get(url(world, "goal-copy")).text  # from the current quarter into Q1
    assert copy_page_choices(default) == {quarters.goals["mine"].pk}
    target = part(default, "select", name="target")
    assert re.search(rf'<option value="{quarters.q1.pk}" selected>', target)
    chosen = client.get(url(world, "goal-copy", source=quarters.q1.pk)).text
    assert copy_page_choices(chosen) == {in_q1.pk}
    assert re.search(rf'<option value="{q2.pk}" selected>', part(chosen, "select", name="target"))


def test_copy_says_what_is_missing_and_copies_nothing(client, quarters):
    world, goals = quarters.world, quarters.goals
    sign_in(client, quarters.vera)
    before = Goal.objects.count()
    nothing = client.post(
        url(world, "goal-copy"), {"source": world.period.pk, "target": quarters.q1.pk}
    )
    assert nothing.status_code == 400
    fieldset = text(part(nothing.text, "fieldset"))  # next to the list of goals
    assert "Choose at least one goal to copy." in fieldset
    same = client.post(
        url(world, "goal-copy"),
        {"source": world.period.pk, "target": world.period.pk, "goals": [goals["mine"].pk]},
    )
    assert same.status_code == 400
    assert field_errors(same.text, "target") == (
        "Choose another period than the one the goals are in."
    )
    assert Goal.objects.count() == before


def test_a_member_may_copy_only_their_own_unfinished_goals(client, quarters):
    world, goals = quarters.world, quarters.goals
    sign_in(client, quarters.vera)
    page = client.get(url(world, "goal-copy"))
    assert page.status_code == 200
    # Not the finished one, not the draft; not Rob's either, though she is his manager: only a
    # goal's owner (or a super user) may add its key results, which a copy needs.
    assert copy_page_choices(page.text) == {goals["mine"].pk}
    assert "Pat private" not in page.text
    before = Goal.objects.count()
    for other in ("report", "peer", "private", "finished", "draft"):
        refused = client.post(
            url(world, "goal-copy"),
            {"source": world.period.pk, "target": quarters.q1.pk, "goals": [goals[other].pk]},
        )
        assert refused.status_code == 400, other
        assert "Select a valid choice" in text(part(refused.text, "fieldset")), other
        assert "Pat private" not in refused.text
    assert Goal.objects.count() == before
    ok = client.post(
        url(world, "goal-copy"),
        {"source": world.period.pk, "target": quarters.q1.pk, "goals": [goals["mine"].pk]},
    )
    assert ok.status_code == 302
    assert Goal.objects.get(period=quarters.q1).owner == quarters.vera


def test_a_super_user_may_copy_anyones_unfinished_goals(signed_in, quarters):
    world, goals = quarters.world, quarters.goals
    offered = copy_page_choices(signed_in.get(url(world, "goal-copy")).text)
    assert offered == {goals[name].pk for name in ("mine", "report", "peer", "private")}
    response = signed_in.post(
        url(world, "goal-copy"),
        {"source": world.period.pk, "target": quarters.q1.pk, "goals": [goals["report"].pk]},
    )
    assert response.status_code == 302
    copy = Goal.objects.get(period=quarters.q1)
    assert (copy.title, copy.owner) == ("Rob unfinished", quarters.rob)


def test_copy_refuses_another_organisations_periods_and_goals(signed_in, quarters):
    world, goals = quarters.world, quarters.goals
    other = make_world()
    theirs = other.goal("Their unfinished", krs=[metric()])
    before = Goal.objects.count()
    into_theirs = signed_in.post(
        url(world, "goal-copy"),
        {"source": world.period.pk, "target": other.period.pk, "goals": [goals["mine"].pk]},
    )
    assert into_theirs.status_code == 400
    assert "Select a valid choice" in field_errors(into_theirs.text, "target")
    from_theirs = signed_in.post(
        url(world, "goal-copy"),
        {"source": other.period.pk, "target": quarters.q1.pk, "goals": [goals["mine"].pk]},
    )
    assert from_theirs.status_code == 400
    assert "From period: Select a valid choice" in text(part(from_theirs.text, "div", role="alert"))
    their_goal = signed_in.post(
        url(world, "goal-copy"),
        {"source": other.period.pk, "target": quarters.q1.pk, "goals": [theirs.pk]},
    )
    assert their_goal.status_code == 400
    # Asking for their period on the page shows our current period's goals instead.
    page = signed_in.get(url(world, "goal-copy", source=other.period.pk)).text
    assert "Their unfinished" not in page
    assert goals["mine"].pk in copy_page_choices(page)
    assert Goal.objects.count() == before


def test_copies_keep_the_alignment_to_seniors_that_run_in_the_new_period(signed_in, quarters):
    world, goals = quarters.world, quarters.goals
    for_the_year = world.goal("Yearly ambition", krs=[metric()], period=quarters.year)
    for_q4 = world.goal("Q4 push", krs=[metric()])
    from cascade.goals import services

    services.align_goal(actor=world.ceo, junior=goals["mine"], senior=for_the_year, weight=2)
    services.align_goal(actor=world.ceo, junior=goals["mine"], senior=for_q4, weight=3)
    response = signed_in.post(
        url(world, "goal-copy"),
        {"source": world.period.pk, "target": quarters.q1.pk, "goals": [goals["mine"].pk]},
    )
    assert response.status_code == 302
    copy = Goal.objects.get(period=quarters.q1)
    # The year runs on into Q1 2027, so the copy still contributes to it, with the same weight;
    # Q4 2026 is over, so its goal gets no copy of the link.
    links = list(Contribution.objects.filter(junior=copy).values_list("senior_id", "weight"))
    assert links == [(for_the_year.pk, Decimal(2))]
    assert copy.state == "active"
    page = signed_in.get(url(world, "goal-detail", copy.pk)).text
    parents = text(part(page, "section", aria_labelledby="parents-heading"))
    assert "Yearly ambition" in parents
    assert "Q4 push" not in parents


def test_copying_the_same_goal_twice_does_not_duplicate_it(signed_in, quarters):
    world, goals = quarters.world, quarters.goals
    data = {"source": world.period.pk, "target": quarters.q1.pk, "goals": [goals["mine"].pk]}
    first = signed_in.post(url(world, "goal-copy"), data, follow=True)
    assert "Copied 1 goal(s)" in text(part(first.text, "ul", class_="messages"))
    again = signed_in.post(url(world, "goal-copy"), data, follow=True)
    assert Goal.objects.filter(period=quarters.q1).count() == 1
    said = text(part(again.text, "ul", class_="messages"))
    assert "Already copied into Q1" in said
    assert "Vera unfinished" in said
    assert "Copied" not in said
    # Once the copy is archived, the goal may be carried over afresh.
    goals_services.archive_goal(actor=world.ceo, goal=Goal.objects.get(period=quarters.q1))
    assert signed_in.post(url(world, "goal-copy"), data).status_code == 302
    assert Goal.objects.filter(period=quarters.q1).exclude(state="archived").count() == 1


# --------------------------------------------------------------------------- every write leaves a trace


def test_web_writes_go_through_the_services_audit_trail(signed_in, world):
    goal = world.goal("Goal", krs=[milestone()])
    kr = KeyResult.objects.get(goal=goal)
    before = AuditEvent.objects.count()
    post_check_in(signed_in, world, kr, done="on", confidence="8")
    assert CheckIn.objects.filter(key_result=kr).count() == 1
    assert progress(goal) == 1.0
    assert AuditEvent.objects.count() == before + 1
