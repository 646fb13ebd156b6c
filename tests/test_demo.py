"""The demo organisation Acme: the shape the foundation issue asks for, and a clean rollup."""

from collections import Counter, defaultdict
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count

from cascade.demo.seed import seed
from cascade.goals.models import CheckIn, Contribution, Goal, KeyResult
from cascade.goals.selectors import standing
from cascade.orgs.models import Member, Period, Team
from cascade.progress import Status, attainment

TODAY = date(2026, 11, 20)


@pytest.fixture(scope="module")
def acme(django_db_setup, django_db_blocker):
    """Seeded once for the module (it replays twelve weeks of work), and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield seed(TODAY)
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _db(db):
    """Each test runs in its own savepoint inside the module's transaction."""


def depth_of(member: Member, managers: dict[int, int | None]) -> int:
    depth, current = 0, managers[member.pk]
    while current is not None:
        depth, current = depth + 1, managers[current]
    return depth


def test_acme_has_forty_people_in_four_levels_with_teams(acme):
    members = list(Member.objects.filter(organisation=acme.organisation))
    assert 38 <= len(members) <= 45
    managers = {m.pk: m.manager_id for m in members}
    levels = Counter(depth_of(m, managers) for m in members)
    assert set(levels) == {0, 1, 2, 3}
    assert levels[0] == 1  # one CEO
    assert Team.objects.filter(organisation=acme.organisation).count() >= 10
    assert Team.objects.filter(
        organisation=acme.organisation, parent__parent__isnull=False
    ).exists()


def test_acme_has_a_year_and_its_current_quarter(acme):
    periods = Period.objects.filter(organisation=acme.organisation)
    year = periods.get(kind="year")
    quarter = periods.get(start__lte=TODAY, end__gte=TODAY, kind="quarter")
    assert quarter.parent == year
    assert (year.start, year.end) == (date(2026, 1, 1), date(2026, 12, 31))
    assert (quarter.start, quarter.end) == (date(2026, 10, 1), date(2026, 12, 31))


def test_acme_goals_cover_every_kind_of_kr_and_cascade_three_levels(acme):
    goals = Goal.objects.filter(organisation=acme.organisation)
    assert 55 <= goals.count() <= 65
    kinds = set(
        KeyResult.objects.filter(organisation=acme.organisation).values_list("kind", flat=True)
    )
    assert kinds == {"metric", "milestone", "threshold", "sum"}
    assert KeyResult.objects.filter(kind="sum", children__isnull=False).exists()
    assert goals.filter(visibility="private").exists()

    seniors = defaultdict(set)
    for junior, senior in Contribution.objects.values_list("junior_id", "senior_id"):
        seniors[junior].add(senior)
    assert any(len(s) >= 2 for s in seniors.values()), "one goal contributes to two senior goals"

    def height(goal_id: int) -> int:
        return max((1 + height(s) for s in seniors.get(goal_id, ())), default=0)

    assert max(height(g) for g in seniors) >= 3, "contributions span at least three levels"


def test_acme_has_twelve_weeks_of_check_ins_with_notes_and_confidence(acme):
    checkins = CheckIn.objects.filter(organisation=acme.organisation)
    first = checkins.earliest("created_at").created_at.date()
    last = checkins.latest("created_at").created_at.date()
    assert last <= TODAY
    assert (TODAY - first) >= timedelta(weeks=11)
    weeks = {c.isocalendar()[:2] for c in checkins.values_list("created_at", flat=True)}
    assert len(weeks) >= 12
    assert checkins.exclude(note="").count() > checkins.count() / 2
    assert checkins.filter(confidence__isnull=False).count() == checkins.count()
    per_author = checkins.values("author").annotate(n=Count("id"))
    assert per_author.count() >= 30  # people check in on their own KRs


def test_acme_shows_an_off_track_goal_an_exceeded_kr_and_a_closed_goal(acme):
    goals = Goal.objects.filter(organisation=acme.organisation, state="active").select_related(
        "period"
    )
    statuses = Counter(standing(g, acme.organisation, TODAY).status for g in goals)
    assert statuses[Status.OFF_TRACK] >= 1
    assert statuses[Status.ON_TRACK] >= 10
    krs = KeyResult.objects.filter(organisation=acme.organisation).exclude(kind="sum")
    assert any(attainment(kr.values) > 1 for kr in krs)
    closed = Goal.objects.filter(organisation=acme.organisation, state="closed")
    assert closed.exists()
    assert all(g.score is not None and g.retrospective for g in closed)


def test_acme_progress_verifies_and_the_ceo_can_sign_in(acme, client):
    out = StringIO()
    call_command("verify_progress", stdout=out)
    assert "no difference" in out.getvalue()
    assert client.login(username="alice@acme.example", password="cascade-demo")
    page = client.get("/o/acme/tree/")
    assert page.status_code == 200
    assert "Become the mid-market leader in logistics software" in page.text


def test_acme_has_a_review_cycle_in_the_manager_phase_with_goals_included(acme):
    from cascade.performance.models import Assessment, GoalSheet, ReviewCycle

    acme.organisation.refresh_from_db()
    assert acme.organisation.include_goals_in_reviews is True
    cycle = ReviewCycle.objects.get(organisation=acme.organisation)
    assert cycle.phase == "manager_assessment"
    assert GoalSheet.objects.filter(organisation=acme.organisation).count() >= 30
    elena = Assessment.objects.filter(
        review__cycle=cycle, kind="manager", review__manager__user__email="elena@acme.example"
    )
    assert elena.count() >= 3
    assert all(a.goal_ratings.exists() for a in elena)  # the goals column has the sheet's goals
    assert Assessment.objects.filter(
        review__cycle=cycle, kind="self", submitted_at__isnull=False
    ).exists()


def test_acme_has_comments_with_mentions_that_told_people(acme):
    from cascade.goals.models import Comment
    from cascade.goals.selectors import comment_rows
    from cascade.notifications.models import Notification

    comments = list(Comment.objects.filter(organisation=acme.organisation).select_related("goal"))
    assert len(comments) >= 6
    assert len({c.goal_id for c in comments}) >= 3
    linked = [row for c in comments for row in comment_rows(acme, c.goal, [c]) if row.mentions]
    assert len(linked) >= 5
    assert Notification.objects.filter(organisation=acme.organisation, topic="mention").exists()


def test_the_demos_main_people_have_a_few_unread_notifications(acme):
    from cascade.notifications.models import Notification

    unread = Notification.objects.filter(organisation=acme.organisation, read_at__isnull=True)
    for address in ("alice@acme.example", "ethan@acme.example", "tom@acme.example"):
        mine = unread.filter(recipient__user__email=address)
        assert 1 <= mine.count() <= 3, address
    assert Notification.objects.filter(read_at__isnull=False).exists()  # the older ones, read
    assert not Notification.objects.filter(emailed_at__isnull=False).exists()
