"""The weekly check-in reminder: once per person per cadence, exactly their stale key results,
in the organisation's own time zone; the nudge only to those still stale."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from cascade.core import clock
from cascade.notifications import reminders
from cascade.notifications.models import Notification
from cascade.notifications.tasks import email_notification, email_notifications
from cascade.notifications.topics import Topic
from cascade.orgs.models import Organisation
from tests.builders import make_world, metric
from tests.concurrency import in_threads

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN).astimezone(UTC)


MADE = berlin(2026, 11, 16, 8, 0)  # two weeks before the cadence
CADENCE = berlin(2026, 11, 30, 9, 0)  # Monday 09:00 in Berlin (08:00 UTC)
LAST_WEEK = berlin(2026, 11, 25, 10, 0)  # after the previous cadence (23 November 09:00)
BEFORE = berlin(2026, 11, 20, 10, 0)  # before it


def in_berlin(world):
    Organisation.objects.filter(pk=world.organisation.pk).update(timezone="Europe/Berlin")
    world.organisation.refresh_from_db()
    return world


def run(moment: datetime):
    with clock.frozen_at(moment):
        return reminders.send_due(moment)


def send_queued_emails() -> None:
    """What the worker does with the queued email tasks."""
    for row in DBTaskResult.objects.order_by("enqueued_at"):
        [ids] = row.args_kwargs["args"]
        if row.task_path == email_notifications.module_path:
            email_notifications.call(ids)
        else:
            email_notification.call(ids)
    DBTaskResult.objects.all().delete()


@pytest.fixture
def scene(db):
    """Sam has two stale KRs and one up to date; Una is up to date; Nia's KR is new."""
    with clock.frozen_at(MADE):
        world = in_berlin(make_world("Acme"))
        sam, una, nia = world.person("Sam Stale"), world.person("Una Up"), world.person("Nia New")
        never = world.goal("Ship the app", owner=sam, krs=[metric(0, 10, title="Screens done")])
        old = world.goal(
            "Hire for R&D's lab", owner=sam, krs=[metric(0, 5, unit="people", title="Hires")]
        )
        fresh = world.goal("Sell", owner=sam, krs=[metric(0, 9, title="Deals")])
        una_goal = world.goal("Support", owner=una, krs=[metric(0, 9, title="Tickets")])
        world.goal("Sam's draft", owner=sam, krs=[metric(0, 1)], activate=False)
    with clock.frozen_at(BEFORE):
        world.check_in(old, 2)
    with clock.frozen_at(LAST_WEEK):
        world.check_in(fresh, 3)
        world.check_in(una_goal, 4)
        world.goal("Launch", owner=nia, krs=[metric(0, 1, title="Launched")])
    # Another organisation, at UTC (its Monday nine is an hour later), with a stale person.
    with clock.frozen_at(MADE):
        other = make_world("Elsewhere")
        otto = other.person("Otto Other")
        other.goal("Theirs", owner=otto, krs=[metric(0, 1)])
    return world, sam, una, nia, never, otto


def test_stale_people_are_reminded_once_with_exactly_their_stale_krs(
    scene, smtp, django_capture_on_commit_callbacks
):
    world, sam, una, nia, _never, otto = scene
    with django_capture_on_commit_callbacks(execute=True):
        assert run(CADENCE - timedelta(minutes=1)) == {"reminders": 0, "nudges": 0}
        assert run(CADENCE + timedelta(minutes=5)) == {"reminders": 1, "nudges": 0}
        # The next slots within the catch-up hour find it sent.
        assert run(CADENCE + timedelta(minutes=20)) == {"reminders": 0, "nudges": 0}
    send_queued_emails()

    [reminder] = Notification.objects.all()
    assert reminder.recipient == sam
    assert reminder.topic == Topic.CHECK_IN_REMINDER
    assert reminder.key == "reminder:2026-11-30"
    assert reminder.link == f"/o/{world.organisation.slug}/check-in/"
    assert reminder.title == "Time to check in: 2 key results"
    assert reminder.body.splitlines() == [
        "Hire for R&D's lab — Hires: 2 people",
        "Ship the app — Screens done: no check-in yet",
    ]
    [mail] = smtp.to(sam.user.email)
    text, html = smtp.text(mail), smtp.html(mail)
    assert "- Hire for R&D's lab — Hires: 2 people" in text  # plain text: not escaped
    assert "Deals" not in text
    assert "Sam's draft" not in text
    assert "<li>Ship the app — Screens done: no check-in yet</li>" in html
    assert "<li>Hire for R&amp;D&#x27;s lab — Hires: 2 people</li>" in html
    button = f'href="http://127.0.0.1:8000/o/{world.organisation.slug}/check-in/"'
    assert button in html
    for person in (una, nia, otto):
        assert smtp.to(person.user.email) == []
    assert len(smtp.messages) == 1


def test_the_nudge_goes_after_n_days_only_to_those_still_stale(
    scene, smtp, django_capture_on_commit_callbacks
):
    world, sam, _una, _nia, never, _otto = scene
    with clock.frozen_at(MADE):
        tess = world.person("Tess Tardy")
        world.goal("Tidy", owner=tess, krs=[metric(0, 1, title="Rooms")])
    with django_capture_on_commit_callbacks(execute=True):
        assert run(CADENCE)["reminders"] == 2
        with clock.frozen_at(CADENCE + timedelta(days=1)):
            world.check_in(never, 5)
            world.check_in(_goal(sam, "Hire for R&D's lab"), 3)
        # Two days later at nine, Berlin time: Tess is still stale, Sam is not.
        assert run(berlin(2026, 12, 2, 8, 59))["nudges"] == 0
        assert run(berlin(2026, 12, 2, 9, 0)) == {"reminders": 0, "nudges": 1}
        assert run(berlin(2026, 12, 2, 9, 30)) == {"reminders": 0, "nudges": 0}
    send_queued_emails()
    [nudge] = Notification.objects.filter(key="nudge:2026-11-30")
    assert nudge.recipient == tess
    assert nudge.title == "Still waiting for your check-in: 1 key result"
    assert len(smtp.to(tess.user.email)) == 2
    assert len(smtp.to(sam.user.email)) == 1


def test_no_nudge_when_the_organisation_wants_none(scene):
    world, _sam, *_ = scene
    Organisation.objects.filter(pk=world.organisation.pk).update(nudge_after_days=0)
    run(CADENCE)
    assert run(berlin(2026, 12, 2, 9, 0)) == {"reminders": 0, "nudges": 0}


def test_the_next_week_reminds_again_under_its_own_key(scene):
    _world, sam, *_ = scene
    run(CADENCE)
    run(CADENCE + timedelta(weeks=1))
    keys = sorted(Notification.objects.filter(recipient=sam).values_list("key", flat=True))
    assert keys == ["reminder:2026-11-30", "reminder:2026-12-07"]


def _goal(member, title):
    from cascade.goals.models import Goal

    return Goal.objects.get(owner=member, title=title)


def _org_of(count: int):
    with clock.frozen_at(MADE):
        world = in_berlin(make_world())
        for n in range(count):
            person = world.person(f"Person {n}")
            world.goal(f"Goal {n}", owner=person, krs=[metric(0, 1), metric(0, 2)])
    return world


def test_the_run_makes_the_same_queries_for_5_and_50_people(db):
    small, large = _org_of(5), _org_of(50)
    counts = []
    for world in (small, large):
        item = reminders.Due(world.organisation, CADENCE, nudge=False)
        with clock.frozen_at(CADENCE), CaptureQueriesContext(connection) as queries:
            stored = reminders.remind(item)
        assert len(stored) == len(world.people)
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.postgres_only  # two workers really at once: row locks and unique keys race
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_reminder_once(smtp):
    world = _org_of(6)

    def worker(_: int) -> None:
        run(CADENCE + timedelta(minutes=1))

    assert in_threads(2, worker) == []
    assert Notification.objects.count() == 6
    # Both workers' email tasks run, at once too: each person gets one email.
    batches = list(DBTaskResult.objects.values_list("args_kwargs", flat=True))
    ids = [pk for batch in batches for pk in batch["args"][0]]
    assert in_threads(2, lambda i: email_notifications.call(ids)) == []
    for person in world.people.values():
        assert len(smtp.to(person.user.email)) == 1


def test_nobody_is_reminded_of_synced_krs_or_while_away_or_not_joined(db):
    from cascade.integrations.models import Binding, Connection
    from cascade.orgs.models import Member

    with clock.frozen_at(MADE):
        world = in_berlin(make_world())
        sid, gone, invited = (world.person(n) for n in ("Sid Synced", "Gil Gone", "Ivy Invited"))
        synced = world.goal("Pipeline", owner=sid, krs=[metric(0, 9, title="Leads")])
        world.goal("Away", owner=gone, krs=[metric(0, 1)])
        world.goal("Pending", owner=invited, krs=[metric(0, 1)])
        connection_row = Connection.objects.create(
            organisation=world.organisation,
            name="Jira",
            service="jira_cloud",
            auth_method="api_token",
            base_url="https://example.atlassian.net",
            secret_sealed="x",
        )
        Binding.objects.create(
            organisation=world.organisation,
            key_result=world.kr(synced),
            connection=connection_row,
            mode="jira_count",
            query="project = X",
        )
    Member.objects.filter(pk=gone.pk).update(is_active=False)
    Member.objects.filter(pk=invited.pk).update(accepted_at=None)
    assert run(CADENCE) == {"reminders": 0, "nudges": 0}


def test_the_worker_runs_the_job_in_its_quarter_hour_slot(
    scene, django_capture_on_commit_callbacks
):
    from cascade.core import scheduler

    _world, sam, *_ = scene
    with clock.frozen_at(CADENCE + timedelta(minutes=3)):
        ran = scheduler.tick(CADENCE + timedelta(minutes=3))
        again = scheduler.tick(CADENCE + timedelta(minutes=4))  # the same slot: claimed
    assert ran["notifications.reminders"] == {"reminders": 1, "nudges": 0}
    assert "notifications.reminders" not in again
    # The weekly digest runs in the same slot: only the reminder is of this topic.
    assert Notification.objects.get(topic=Topic.CHECK_IN_REMINDER).recipient == sam
