"""The goal pages: list, goal page, “Why this number?”, create, edit, align, close, states, KRs."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cascade.audit.models import AuditEvent
from cascade.goals.models import CheckIn, Contribution, Goal, KeyResult
from tests.builders import make_world, metric, milestone, progress

PASSWORD = "pw-for-tests-only"


@pytest.fixture
def signed_in(client, world):
    assert client.login(username=world.ceo.user.email, password=PASSWORD)
    return client


def url(world, path: str = "") -> str:
    return f"/o/{world.organisation.slug}/{path}"


def as_member(client, member):
    client.logout()
    assert client.login(username=member.user.email, password=PASSWORD)
    return client


# --------------------------------------------------------------------------- list


def test_goal_list_shows_rows_with_progress_status_and_owner(signed_in, world):
    vp = world.person("Vera Vice", manager=world.ceo)
    goal = world.goal("Grow revenue", owner=vp, krs=[metric(0, 100)])
    world.check_in(goal, 40, confidence=6)
    page = signed_in.get(url(world, "goals/"))
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
    text = signed_in.get(url(world, f"goals/?owner={vp.pk}")).text
    assert "Grow revenue in Spain" in text
    assert "Hire engineers" not in text
    text = signed_in.get(url(world, "goals/?q=engineers")).text
    assert "Hire engineers" in text
    assert "Spain" not in text
    assert signed_in.get(url(world, "goals/?status=nonsense&team=x&page=999")).status_code == 200


def add_goals(world, count: int) -> None:
    org = world.organisation.pk
    goals = Goal.objects.bulk_create(
        Goal(
            organisation_id=org,
            title=f"Goal {i}",
            owner=world.ceo,
            period=world.period,
            state="active",
            progress=0.5,
        )
        for i in range(count)
    )
    KeyResult.objects.bulk_create(
        KeyResult(organisation_id=org, goal=g, title="KR", target=Decimal(1)) for g in goals
    )
    Contribution.objects.bulk_create(
        Contribution(organisation_id=org, junior=goals[i], senior=goals[(i - 1) // 3])
        for i in range(1, count)
    )


def count_queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize(
    "path", ["goals/", "goals/?status=on_track", "goals/{goal}/", "tree/", "tree/?goal={goal}", ""]
)
def test_pages_run_a_fixed_number_of_queries_with_20_or_2000_goals(client, db, path):
    counts = []
    for size in (20, 2000):
        world = make_world()
        add_goals(world, size)
        first = Goal.objects.filter(organisation=world.organisation).order_by("pk").first()
        world.check_in(first, Decimal("0.5"))
        client.logout()
        assert client.login(username=world.ceo.user.email, password=PASSWORD)
        counts.append(count_queries(client, url(world, path.format(goal=first.pk))))
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
    text = signed_in.get(url(world, f"goals/{sales.pk}/")).text
    assert "150 %" in text  # raw attainment
    assert "Company" in text
    assert "weight 2" in text
    assert "Junior" in text  # the contributing goal
    assert "A record month" in text  # check-in history with the note
    assert "checked in" in text  # audit trail
    assert "<svg" in text
    assert 'class="expected"' in text


def test_why_this_number_now_and_as_of_a_date(signed_in, world):
    senior = world.goal("Senior", krs=[metric(0, 10, title="Own KR")])
    junior = world.goal("Junior", krs=[metric(0, 10)], under={senior: 3})
    world.check_in(junior, 8)
    text = signed_in.get(url(world, f"goals/{senior.pk}/why/")).text
    assert "Junior" in text
    assert "Own KR" in text
    assert "+60.0 %" in text  # 0.8 × 3/4
    assert "60 %" in text
    past = signed_in.get(url(world, f"goals/{senior.pk}/why/?as_of=2020-01-01")).text
    assert "had no progress recorded" in past
    bad = signed_in.get(url(world, f"goals/{senior.pk}/why/?as_of=yesterday")).text
    assert "YYYY-MM-DD" in bad


def test_another_organisations_goal_is_not_found(signed_in, world, db):
    other = make_world()
    goal = other.goal("Theirs", krs=[metric()])
    kr = KeyResult.objects.get(goal=goal)
    for path in (
        f"goals/{goal.pk}/",
        f"goals/{goal.pk}/why/",
        f"goals/{goal.pk}/edit/",
        f"goals/{goal.pk}/align/",
    ):
        assert signed_in.get(url(world, path)).status_code == 404, path
    assert (
        signed_in.post(
            url(world, f"key-results/{kr.pk}/check-in/"), {f"kr{kr.pk}-value": "5"}
        ).status_code
        == 404
    )
    assert signed_in.get(url(other, f"goals/{goal.pk}/")).status_code == 404  # not a member there
    assert KeyResult.objects.get(pk=kr.pk).current is None


def test_private_goals_are_hidden_from_members_who_may_not_see_them(client, world):
    outsider = world.person("Olga Outside", manager=world.ceo)
    secret = world.goal("Secret acquisition", krs=[metric()], visibility="private")
    as_member(client, outsider)
    assert client.get(url(world, f"goals/{secret.pk}/")).status_code == 404
    assert "Secret acquisition" not in client.get(url(world, "goals/")).text
    assert "Secret acquisition" not in client.get(url(world, "goals/search/?q=secret")).text


# --------------------------------------------------------------------------- create and edit


def test_create_a_goal_with_a_metric_kr_aligned_under_a_senior(signed_in, world):
    senior = world.goal("Company", krs=[metric()])
    response = signed_in.post(
        url(world, "goals/new/"),
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
    assert response["Location"].endswith(f"/goals/{goal.pk}/")
    assert goal.state == "active"
    assert KeyResult.objects.get(goal=goal).target == Decimal(20)
    assert Contribution.objects.get(junior=goal).weight == Decimal(2)


def test_create_shows_errors_next_to_fields_and_saves_nothing(signed_in, world):
    before = Goal.objects.count()
    response = signed_in.post(
        url(world, "goals/new/"),
        {
            "title": "",
            "owner": world.ceo.pk,
            "period": world.period.pk,
            "visibility": "public",
            "kr_title": "KR",
            "kr_kind": "metric",
            "kr_start": "5",
            "kr_target": "5",
            "weight": "1",
        },
    )
    assert response.status_code == 400
    assert "This field is required." in response.text
    response = signed_in.post(
        url(world, "goals/new/"),
        {
            "title": "Valid",
            "owner": world.ceo.pk,
            "period": world.period.pk,
            "visibility": "public",
            "kr_title": "KR",
            "kr_kind": "metric",
            "kr_start": "5",
            "kr_target": "5",
            "weight": "1",
        },
    )
    assert response.status_code == 400
    assert "The target must differ from the start value" in response.text
    assert Goal.objects.count() == before


def test_edit_a_goal_and_members_cannot_edit_others_goals(client, world):
    goal = world.goal("Original", krs=[metric()])
    member = world.person("Max Member", manager=world.ceo)
    as_member(client, world.ceo)
    data = {
        "title": "Renamed",
        "owner": world.ceo.pk,
        "period": world.period.pk,
        "visibility": "public",
    }
    assert client.post(url(world, f"goals/{goal.pk}/edit/"), data).status_code == 302
    assert Goal.objects.get(pk=goal.pk).title == "Renamed"
    as_member(client, member)
    assert client.get(url(world, f"goals/{goal.pk}/edit/")).status_code == 403
    assert (
        client.post(url(world, f"goals/{goal.pk}/edit/"), {**data, "title": "Hijacked"}).status_code
        == 403
    )
    assert Goal.objects.get(pk=goal.pk).title == "Renamed"


def test_add_edit_and_remove_a_key_result(signed_in, world):
    goal = world.goal("Goal", krs=[metric(0, 10)])
    response = signed_in.post(
        url(world, f"goals/{goal.pk}/key-results/new/"),
        {"title": "Second", "kind": "milestone", "start": "", "target": "", "weight": "1"},
    )
    assert response.status_code == 302
    second = KeyResult.objects.get(goal=goal, title="Second")
    response = signed_in.post(
        url(world, f"key-results/{second.pk}/edit/"),
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
        url(world, f"key-results/{second.pk}/edit/"),
        {"title": "x", "kind": "metric", "start": "1", "target": "1", "weight": "-1"},
    )
    assert bad.status_code == 400
    assert KeyResult.objects.get(pk=second.pk).kind == "milestone"
    assert signed_in.post(url(world, f"key-results/{second.pk}/remove/")).status_code == 302
    assert not KeyResult.objects.filter(pk=second.pk).exists()


# --------------------------------------------------------------------------- states and alignment


def test_close_with_a_score_then_reopen_archive_and_restore(signed_in, world):
    goal = world.goal("Goal", krs=[metric()])
    bad = signed_in.post(
        url(world, f"goals/{goal.pk}/close/"), {"score": "1.5", "outcome": "achieved"}
    )
    assert bad.status_code == 400
    assert "A score runs from 0.0 to 1.0" in bad.text
    ok = signed_in.post(
        url(world, f"goals/{goal.pk}/close/"),
        {"score": "0.7", "outcome": "partial", "retrospective": "Good"},
    )
    assert ok.status_code == 302
    assert Goal.objects.get(pk=goal.pk).state == "closed"
    for action, state in (("reopen", "active"), ("archive", "archived"), ("restore", "active")):
        assert signed_in.post(url(world, f"goals/{goal.pk}/{action}/")).status_code == 302
        assert Goal.objects.get(pk=goal.pk).state == state
    assert signed_in.post(url(world, f"goals/{goal.pk}/explode/")).status_code == 404
    assert signed_in.get(url(world, f"goals/{goal.pk}/archive/")).status_code == 405


def test_align_with_the_picker_change_weight_and_unlink(signed_in, world):
    senior = world.goal("Company revenue", krs=[metric()])
    junior = world.goal("Team revenue", krs=[metric(0, 10)])
    results = signed_in.get(url(world, f"goals/search/?q=company&exclude={junior.pk}")).text
    assert "Company revenue" in results
    assert "Team revenue" not in results
    assert (
        signed_in.post(
            url(world, f"goals/{junior.pk}/align/"), {"senior_goal": senior.pk, "weight": "2"}
        ).status_code
        == 302
    )
    link = Contribution.objects.get(junior=junior, senior=senior)
    cycle = signed_in.post(
        url(world, f"goals/{senior.pk}/align/"), {"senior_goal": junior.pk, "weight": "1"}
    )
    assert cycle.status_code == 400
    assert "would close a cycle" in cycle.text
    signed_in.post(url(world, f"contributions/{link.pk}/"), {"action": "weight", "weight": "3"})
    assert Contribution.objects.get(pk=link.pk).weight == Decimal(3)
    signed_in.post(url(world, f"contributions/{link.pk}/"), {"action": "weight", "weight": "-3"})
    assert Contribution.objects.get(pk=link.pk).weight == Decimal(3)
    signed_in.post(url(world, f"contributions/{link.pk}/"), {"action": "remove"})
    assert not Contribution.objects.filter(pk=link.pk).exists()


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
        url(world, "goals/copy/"), {"source": world.period.pk, "target": q1.pk, "goals": [goal.pk]}
    )
    assert response.status_code == 302
    copy = Goal.objects.get(period=q1, title="Unfinished")
    kr = KeyResult.objects.get(goal=copy)
    assert (kr.start, kr.target) == (Decimal(40), Decimal(100))  # measures what is left
    assert copy.state == "active"
    assert Goal.objects.get(pk=goal.pk).state == "active"  # the original stays


# --------------------------------------------------------------------------- every write leaves a trace


def test_web_writes_go_through_the_services_audit_trail(signed_in, world):
    goal = world.goal("Goal", krs=[milestone()])
    kr = KeyResult.objects.get(goal=goal)
    before = AuditEvent.objects.count()
    signed_in.post(
        url(world, f"key-results/{kr.pk}/check-in/"),
        {f"kr{kr.pk}-done": "on", f"kr{kr.pk}-confidence": "8"},
    )
    assert CheckIn.objects.filter(key_result=kr).count() == 1
    assert progress(goal) == 1.0
    assert AuditEvent.objects.count() == before + 1
