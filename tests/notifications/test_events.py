"""Who is told what, by the write that made it happen: never the actor, never anyone of another
organisation, and the message links to what it is about."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cascade.goals import services as goals
from cascade.notifications import services as notifications
from cascade.notifications.models import Notification
from cascade.notifications.topics import Channel, Topic
from cascade.performance import services as performance
from tests.builders import make_world, metric


@pytest.fixture
def elsewhere(db):
    """Another organisation with people and goals of its own: nobody there is ever told."""
    other = make_world()
    other.goal("Their goal", krs=[metric(0, 10)])
    return other


def told(member, topic=None) -> list[Notification]:
    rows = Notification.objects.filter(recipient=member).order_by("id")
    return list(rows.filter(topic=topic) if topic else rows)


def nobody_of(world) -> bool:
    return not Notification.objects.filter(organisation=world.organisation).exists()


def test_the_senior_goals_owner_is_told_of_a_goal_aligned_under_theirs(world, elsewhere):
    vera = world.person("Vera", manager=world.ceo)
    company = world.goal("Grow revenue", krs=[metric(0, 10)])
    sales = world.goal("Win deals", owner=vera, krs=[metric(0, 10)])

    goals.align_goal(actor=vera, junior=sales, senior=company)

    [note] = told(world.ceo, Topic.ALIGNED_UNDER_MINE)
    assert note.title == "“Win deals” now contributes to “Grow revenue”"
    assert note.link == reverse("goal-detail", args=[world.organisation.slug, company.pk])
    assert note.goal_id == company.pk
    assert not told(vera)
    assert nobody_of(elsewhere)


def test_aligning_under_ones_own_goal_tells_nobody(world):
    company = world.goal("Grow revenue", krs=[metric(0, 10)])
    world.goal("Win deals", krs=[metric(0, 10)], under={company: 1})
    assert not told(world.ceo, Topic.ALIGNED_UNDER_MINE)


def test_a_private_goals_title_is_not_told_to_whoever_may_not_see_it(world):
    vera = world.person("Vera")  # not the CEO's report: the CEO is a super user, though
    rob = world.person("Rob")
    robs = world.goal("Rob's", owner=rob, krs=[metric(0, 10)])
    secret = world.goal("Secret plan", owner=vera, krs=[metric(0, 10)], visibility="private")

    goals.align_goal(actor=vera, junior=secret, senior=robs)

    [note] = told(rob, Topic.ALIGNED_UNDER_MINE)
    assert "Secret plan" not in note.title
    assert note.title.startswith("A private goal")


def test_the_new_owner_is_told_when_a_goal_is_created_for_them_or_handed_over(world, elsewhere):
    vera = world.person("Vera", manager=world.ceo)
    rob = world.person("Rob", manager=world.ceo)

    goal = goals.create_goal(
        actor=world.ceo, title="Hire two engineers", period=world.period, owner=vera
    )
    [note] = told(vera, Topic.MADE_OWNER)
    assert note.title == "You now own “Hire two engineers”"
    assert note.goal_id == goal.pk

    goals.update_goal(actor=world.ceo, goal=goal, owner=rob)
    assert len(told(rob, Topic.MADE_OWNER)) == 1
    goals.update_goal(actor=world.ceo, goal=goal, title="Hire three engineers")
    assert len(told(rob, Topic.MADE_OWNER)) == 1  # not told again: the owner did not change

    goals.create_goal(actor=vera, title="My own", period=world.period)
    goals.update_goal(actor=rob, goal=goal, owner=rob)  # no change
    assert len(told(vera, Topic.MADE_OWNER)) == 1
    assert not told(world.ceo)
    assert nobody_of(elsewhere)


def test_a_person_who_switched_it_off_is_not_told(world):
    vera = world.person("Vera", manager=world.ceo)
    notifications.set_preference(
        actor=vera, member=vera, topic=Topic.MADE_OWNER, channel=Channel.OFF
    )
    goals.create_goal(actor=world.ceo, title="Hire", period=world.period, owner=vera)
    assert not told(vera)


def test_an_opening_assessment_phase_tells_each_writer_once(world, elsewhere):
    from tests.performance.scene import make_team

    team = make_team(world)
    second = world.person("Sam Second", manager=team.manager)
    cycle = team.cycle(people=[team.report, second, team.manager])

    cycle = performance.advance_phase(actor=world.ceo, cycle=cycle)  # self assessment opens
    assert cycle.phase == "self_assessment"
    for person in (team.report, second, team.manager):
        [note] = told(person, Topic.REVIEW)
        assert "one assessment is yours to write" in note.title
        assert note.link.startswith(f"/o/{world.organisation.slug}/reviews/")
    assert not told(team.outsider)

    cycle = performance.advance_phase(actor=world.ceo, cycle=cycle)  # manager assessment opens
    [_, note] = told(team.manager, Topic.REVIEW)
    assert "2 assessments are yours to write" in note.title
    assert note.link == reverse("performance", args=[world.organisation.slug])
    # The CEO manages the manager, but is the one who opened the phase.
    assert not told(world.ceo)
    assert len(told(team.report, Topic.REVIEW)) == 1
    assert nobody_of(elsewhere)


def test_replaying_the_past_keeps_the_inbox_but_sends_no_email(
    world, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    vera = world.person("Vera", manager=world.ceo)
    with django_capture_on_commit_callbacks(execute=True), notifications.without_email():
        goals.create_goal(actor=world.ceo, title="Hire", period=world.period, owner=vera)
    assert len(told(vera, Topic.MADE_OWNER)) == 1
    assert not DBTaskResult.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        goals.create_goal(actor=world.ceo, title="Hire more", period=world.period, owner=vera)
    assert DBTaskResult.objects.count() == 1


def at(day: int, month: int = 11):
    from datetime import UTC, datetime

    from cascade.core import clock

    return clock.frozen_at(datetime(2026, month, day, 9, tzinfo=UTC))


def test_a_goal_moving_to_at_risk_or_off_track_tells_the_owner_above(world, elsewhere):
    """Q4 2026 runs from 1 October to 31 December: by 15 November about half is expected."""
    vera = world.person("Vera", manager=world.ceo)
    rob = world.person("Rob", manager=vera)
    with at(1, 10):
        company = world.goal("Grow revenue", krs=[metric(0, 10)])
        sales = world.goal("Win deals", owner=vera, under={company: 1})
        robs = world.goal("Rob's deals", owner=rob, krs=[metric(0, 10)], under={sales: 1})
        goals.activate_goal(actor=vera, goal=sales)
        world.check_in(company, 5)
    with at(15):
        world.check_in(robs, 5)  # on track: nobody is told
        assert not Notification.objects.filter(topic=Topic.CONTRIBUTOR_AT_RISK).exists()

        world.check_in(robs, 3)  # Rob's goal, and so Vera's, are at risk
        [for_vera] = told(vera, Topic.CONTRIBUTOR_AT_RISK)
        assert for_vera.title == "“Rob's deals” is at risk: it contributes to “Win deals”"
        assert for_vera.goal_id == sales.pk
        assert for_vera.link == reverse("goal-detail", args=[world.organisation.slug, sales.pk])
        [for_ceo] = told(world.ceo, Topic.CONTRIBUTOR_AT_RISK)
        assert for_ceo.title == "“Win deals” is at risk: it contributes to “Grow revenue”"

        world.check_in(robs, 2.5)  # still at risk: nobody is told again
        assert Notification.objects.filter(topic=Topic.CONTRIBUTOR_AT_RISK).count() == 2

        # The CEO checks in on Rob's goal (a super user may): off track now. Vera is told;
        # the CEO owns the goal above Vera's, but it was their own doing.
        world.check_in(robs, 1, actor=world.ceo)
        assert told(vera, Topic.CONTRIBUTOR_AT_RISK)[-1].title.startswith(
            "“Rob's deals” is off track"
        )
        assert len(told(world.ceo, Topic.CONTRIBUTOR_AT_RISK)) == 1
    assert not told(rob)  # nothing is above anyone for Rob: his is the lowest goal
    assert nobody_of(elsewhere)


def test_a_goal_with_nothing_above_it_tells_nobody(world):
    with at(1, 10):
        lone = world.goal("Lone goal", krs=[metric(0, 10)])
    with at(15):
        world.check_in(lone, 1)
    assert not Notification.objects.filter(topic=Topic.CONTRIBUTOR_AT_RISK).exists()
