"""The weekly digest: once per person per week at the check-in moment, with their goals'
movement, what is at risk under them, who has not checked in and new comments; only what they
may see, never another organisation's; switched off, nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cascade import permissions
from cascade.core import clock
from cascade.goals import services as goals
from cascade.goals.models import Goal
from cascade.notifications import digests
from cascade.notifications.models import Notification
from cascade.notifications.services import set_preference
from cascade.notifications.topics import Topic
from cascade.orgs import services as orgs
from tests.builders import make_world, metric
from tests.notifications.test_reminders import send_queued_emails

MADE = datetime(2026, 11, 16, 8, 0, tzinfo=UTC)
OLD = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)  # before the last cadence (23 Nov 09:00)
EARLY = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)  # more than a week before the digest
RECENT = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # in the digest's week
WEEK_START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # Monday 09:00, the default cadence
SITE = "http://127.0.0.1:8000"


def run(moment: datetime):
    with clock.frozen_at(moment):
        return digests.send_due(moment)


@pytest.fixture
def scene(db):
    """Mia manages Ria (who manages Ivy) and Pat, and leads the Platform team (Tom's goal)."""
    with clock.frozen_at(MADE):
        world = make_world("Acme")
        ceo = world.ceo
        mia = world.person("Mia Manager", manager=ceo)
        ria = world.person("Ria Report", manager=mia)
        ivy = world.person("Ivy Indirect", manager=ria)
        pat = world.person("Pat Plain", manager=mia)
        tom = world.person("Tom Teammate", manager=ceo)
        noah = world.person("Noah Nothing", manager=ceo)
        platform = orgs.create_team(actor=ceo, name="Platform", lead=mia, members=[tom])
        revenue = world.goal("Grow revenue", owner=mia, krs=[metric(0, 100)])
        hire = world.goal("Hire engineers", owner=ria, krs=[metric(0, 100)])
        secret = world.goal("Secret plan", owner=ivy, krs=[metric(0, 100)], visibility="private")
        ivy_public = world.goal("Ivy's public goal", owner=ivy, krs=[metric(0, 100)])
        pat_goal = world.goal("Pat's goal", owner=pat, krs=[metric(0, 100)])
        infra = world.goal("Platform uptime", owner=tom, krs=[metric(0, 100)], team=platform)
        world.goal("Mia's draft", owner=mia, krs=[metric(0, 1)], activate=False)
    with clock.frozen_at(OLD):
        world.check_in(secret, 1)
        world.check_in(ivy_public, 1)
    with clock.frozen_at(EARLY):
        world.check_in(revenue, 20)
        goals.add_comment(actor=pat, goal=revenue, body="An old comment")
    with clock.frozen_at(RECENT):
        world.check_in(revenue, 50)
        world.check_in(hire, 2)
        world.check_in(pat_goal, 90)
        world.check_in(infra, 3)
        goals.add_comment(actor=pat, goal=revenue, body="Nice jump")
        goals.add_comment(actor=ria, goal=revenue, body="Agreed")
        goals.add_comment(actor=mia, goal=revenue, body="Thanks (my own)")
    with clock.frozen_at(MADE):
        other = make_world("Elsewhere")
        otto = other.person("Otto Other", manager=other.ceo)
        other.goal("Elsewhere's off-track goal", owner=otto, krs=[metric(0, 100)])
    return world, mia, ria, ivy, pat, noah, otto


def digest_of(member) -> Notification:
    return Notification.objects.get(recipient=member, topic=Topic.WEEKLY_DIGEST)


def test_a_managers_digest_lists_each_section(scene, smtp, django_capture_on_commit_callbacks):
    world, mia, ria, ivy, _pat, _noah, _otto = scene
    with django_capture_on_commit_callbacks(execute=True):
        assert run(WEEK_START - timedelta(minutes=1)) == {"digests": 0}
        sent = run(WEEK_START + timedelta(minutes=5))
    # Acme's CEO, Mia, Ria, Ivy, Pat and Tom (not Noah: nothing to say); Elsewhere's two.
    assert sent == {"digests": 8}
    send_queued_emails()
    slug = world.organisation.slug

    row = digest_of(mia)
    assert row.key == "digest:2026-11-30"
    assert row.link == f"/o/{slug}/"
    assert row.title == "Your week in Acme: 30 Nov 2026"
    assert row.body.splitlines() == [
        "Your goals: 1, 1 moved this week",
        "At risk or off track under you: 3",
        "Checked in: 2 of 3 of your reports",
        "New comments on your goals: 2",
    ]
    data = row.data
    revenue = Goal.objects.get(title="Grow revenue")
    assert data["mine"] == [
        {
            "title": "Grow revenue",
            "link": f"/o/{slug}/goals/{revenue.pk}/",
            "before": "20 %",
            "now": "50 %",
            "moved": True,
            "status": data["mine"][0]["status"],
        }
    ]
    # Ria's goal (a report), Ivy's public one (an indirect report), Tom's team goal (Mia leads
    # Platform); Ivy's private goal is not Mia's to see (she is Ivy's manager's manager), Pat's
    # goal is on track.
    assert [(g["title"], g["owner"]) for g in data["trouble"]] == [
        ("Hire engineers", "Ria Report"),
        ("Ivy's public goal", "Ivy Indirect"),
        ("Platform uptime", "Tom Teammate"),
    ]
    assert {g["status"] for g in data["trouble"]} == {"off track"}
    # Ivy waits for a check-in on two KRs, one of them on the private goal: Mia counts one.
    assert data["reports"] == 3
    assert data["waiting"] == [
        {"name": "Ivy Indirect", "count": 1, "link": f"/o/{slug}/people/{ivy.pk}/"}
    ]
    assert data["comments"] == [
        {"title": "Grow revenue", "count": 2, "link": f"/o/{slug}/goals/{revenue.pk}/#comments"}
    ]

    [mail] = smtp.to(mia.user.email)
    text, html = smtp.text(mail), smtp.html(mail)
    assert mail["Subject"] == "Your week in Acme: 30 Nov 2026"
    assert "- Grow revenue: 20 % -> 50 %" in text
    assert f"{SITE}/o/{slug}/goals/{revenue.pk}/" in text
    assert "- Hire engineers (Ria Report): off track" in text
    assert "CHECK-INS: 2 of 3 of your reports are up to date" in text
    assert "- Ivy Indirect: 1 key result waiting for a check-in" in text
    assert "NEW COMMENTS ON YOUR GOALS: 2" in text
    assert f'href="{SITE}/o/{slug}/goals/{revenue.pk}/#comments"' in html
    assert f'href="{SITE}/o/{slug}/people/{ivy.pk}/"' in html
    for part in (text, html):
        assert "Secret plan" not in part
        assert "Mia's draft" not in part
        assert "Mia&#x27;s draft" not in part
        assert "Elsewhere" not in part
    assert "List-Unsubscribe" in mail

    # Ria, Ivy's direct manager, sees the private goal and counts both KRs.
    ria_data = digest_of(ria).data
    assert [g["title"] for g in ria_data["trouble"]] == ["Ivy's public goal", "Secret plan"]
    assert ria_data["waiting"] == [
        {"name": "Ivy Indirect", "count": 2, "link": f"/o/{slug}/people/{ivy.pk}/"}
    ]


def test_a_person_without_reports_hears_of_their_goals_only(
    scene, smtp, django_capture_on_commit_callbacks
):
    _world, _mia, _ria, _ivy, pat, noah, _otto = scene
    with django_capture_on_commit_callbacks(execute=True):
        run(WEEK_START + timedelta(minutes=5))
    send_queued_emails()
    row = digest_of(pat)
    assert row.body == "Your goals: 1, 1 moved this week"
    assert row.data["trouble"] == []
    assert row.data["waiting"] == []
    assert row.data["reports"] == 0
    assert row.data["comments"] == []
    assert [g["title"] for g in row.data["mine"]] == ["Pat's goal"]
    assert row.data["mine"][0]["before"] == "0 %"
    assert row.data["mine"][0]["now"] == "90 %"
    [mail] = smtp.to(pat.user.email)
    text = smtp.text(mail)
    assert "- Pat's goal: 0 % -> 90 %, on track" in text
    assert "CHECK-INS" not in text
    assert "AT RISK" not in text
    assert "COMMENTS" not in text
    # Nothing to say: no goals, no reports, no comments.
    assert smtp.to(noah.user.email) == []
    assert not Notification.objects.filter(recipient=noah).exists()


def test_another_organisation_gets_its_own_digest_and_never_sees_ours(
    scene, smtp, django_capture_on_commit_callbacks
):
    world, _mia, _ria, _ivy, _pat, _noah, _otto = scene
    with django_capture_on_commit_callbacks(execute=True):
        run(WEEK_START + timedelta(minutes=5))
    send_queued_emails()
    otto_ceo = Notification.objects.get(
        recipient__organisation__name="Elsewhere", recipient__manager=None
    )
    assert [g["title"] for g in otto_ceo.data["trouble"]] == ["Elsewhere's off-track goal"]
    for row in Notification.objects.filter(recipient__organisation=world.organisation):
        assert "Elsewhere" not in str(row.data)
    for row in Notification.objects.filter(recipient__organisation__name="Elsewhere"):
        assert "Acme" not in str(row.data)
        assert "Grow revenue" not in str(row.data)


def test_sent_once_a_week_however_often_the_job_runs(
    scene, smtp, django_capture_on_commit_callbacks
):
    _world, mia, *_ = scene
    with django_capture_on_commit_callbacks(execute=True):
        assert run(WEEK_START + timedelta(minutes=5))["digests"] > 0
        assert run(WEEK_START + timedelta(minutes=20)) == {"digests": 0}
    send_queued_emails()
    assert len(smtp.to(mia.user.email)) == 1
    # The next week is a new digest.
    with django_capture_on_commit_callbacks(execute=True):
        assert run(WEEK_START + timedelta(weeks=1, minutes=5))["digests"] > 0
    send_queued_emails()
    assert len(smtp.to(mia.user.email)) == 2
    assert set(
        Notification.objects.filter(recipient=mia, topic=Topic.WEEKLY_DIGEST).values_list(
            "key", flat=True
        )
    ) == {"digest:2026-11-30", "digest:2026-12-07"}


def test_switched_off_sends_nothing(scene, smtp, django_capture_on_commit_callbacks):
    _world, mia, *_ = scene
    set_preference(actor=mia, member=mia, topic=Topic.WEEKLY_DIGEST, channel="off")
    with django_capture_on_commit_callbacks(execute=True):
        run(WEEK_START + timedelta(minutes=5))
    send_queued_emails()
    assert smtp.to(mia.user.email) == []
    assert not Notification.objects.filter(recipient=mia, topic=Topic.WEEKLY_DIGEST).exists()
    assert Notification.objects.filter(topic=Topic.WEEKLY_DIGEST).exists()  # others got theirs


def test_the_bulk_visibility_rule_is_can_view_goal(scene):
    world, mia, ria, ivy, pat, noah, _otto = scene
    members = {m.pk: m for m in [world.ceo, mia, ria, ivy, pat, noah]}
    for goal in Goal.objects.filter(organisation=world.organisation).select_related(
        "owner", "team"
    ):
        team_ids = (
            set(goal.team.memberships.values_list("member_id", flat=True)) if goal.team else set()
        )
        for reader in members.values():
            assert permissions.sees_goal(
                reader,
                visibility=goal.visibility,
                owner_id=goal.owner_id,
                owner_manager_id=goal.owner.manager_id,
                team_member_ids=team_ids,
            ) == permissions.can_view_goal(reader, goal), (reader, goal)


def _company(people: int):
    with clock.frozen_at(MADE):
        world = make_world()
        boss = world.person("Boss", manager=world.ceo)
        team = orgs.create_team(actor=world.ceo, name="Team", lead=boss)
        previous = boss
        for n in range(people):
            manager = boss if n % 2 else previous
            person = world.person(f"Person {n}", manager=manager)
            goal = world.goal(
                f"Goal {n}",
                owner=person,
                krs=[metric(0, 100)],
                visibility="private" if n % 3 else "public",
                team=team if n % 4 == 0 else None,
            )
            previous = person
    with clock.frozen_at(RECENT):
        world.check_in(goal, 5)
        goals.add_comment(actor=boss, goal=goal, body="Go on")
    return world


@pytest.mark.django_db
def test_the_query_count_does_not_grow_with_the_organisation():
    counts = []
    for people in (5, 40):
        world = _company(people)
        with clock.frozen_at(WEEK_START), CaptureQueriesContext(connection) as queries:
            stored = digests.send(world.organisation, WEEK_START, WEEK_START)
        assert len(stored) == people + 2  # the CEO, the boss and everyone
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_worker_runs_the_digest_in_its_quarter_hour_slot(scene):
    from cascade.core import scheduler

    _world, mia, *_ = scene
    moment = WEEK_START + timedelta(minutes=3)
    with clock.frozen_at(moment):
        ran = scheduler.tick(moment)
        again = scheduler.tick(moment + timedelta(minutes=1))  # the same slot: claimed
    assert ran["notifications.digests"] == {"digests": 8}
    assert "notifications.digests" not in again
    assert digest_of(mia).key == "digest:2026-11-30"
