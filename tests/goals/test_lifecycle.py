"""A goal's life — draft → active → closed → active (reopen), archive and restore — and the
audit event every successful write leaves behind."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from cascade.audit.models import AuditEvent, EventKind
from cascade.goals import services as goals
from cascade.goals.models import Contribution, Goal, KeyResult, Outcome, State
from tests.builders import metric, progress


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def state(goal: Goal) -> str:
    return Goal.objects.values_list("state", flat=True).get(pk=goal.pk)


def refused(call, says: str = "") -> ValidationError:
    """The call is refused with a message; the goal rows and the audit trail stay as they were."""
    goals_before = list(Goal.objects.order_by("pk").values())
    audit_before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        call()
    assert list(Goal.objects.order_by("pk").values()) == goals_before
    assert AuditEvent.objects.count() == audit_before
    assert says in " ".join(caught.value.messages)
    return caught.value


def one_event(call):
    """Run ``call``; exactly one audit event must appear. Returns (call's result, event)."""
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    result = call()
    new = list(AuditEvent.objects.filter(id__gt=last))
    assert len(new) == 1, [event.kind for event in new]
    return result, new[0]


@pytest.fixture
def draft(world):
    owner = world.person("Olive Owner", manager=world.ceo)
    goal = goals.create_goal(actor=owner, title="Ship the app", period=world.period)
    return SimpleNamespace(owner=owner, goal=goal)


def active_goal(world, title: str = "Grow", **kw) -> Goal:
    goal = world.goal(title, krs=[metric(0, 10)], **kw)
    assert state(goal) == State.ACTIVE
    return fresh(goal)


# --------------------------------------------------------------------------- draft → active


def test_new_goal_is_a_draft_without_progress(draft):
    goal = fresh(draft.goal)
    assert goal.state == State.DRAFT
    assert goal.progress is None
    assert goal.owner == draft.owner


def test_goal_without_key_result_or_contributing_goal_cannot_be_activated(draft):
    refused(lambda: goals.activate_goal(actor=draft.owner, goal=draft.goal), "key result")
    assert state(draft.goal) == State.DRAFT


def test_goal_with_a_key_result_becomes_active(draft):
    goals.add_key_result(actor=draft.owner, goal=draft.goal, title="Users", target=100)
    goal = goals.activate_goal(actor=draft.owner, goal=draft.goal)
    assert goal.state == state(goal) == State.ACTIVE
    assert progress(goal) == 0.0


def test_goal_with_only_a_contributing_goal_becomes_active(world, draft):
    junior = active_goal(world, "Junior")
    world.check_in(junior, 4)
    goals.align_goal(actor=world.ceo, junior=junior, senior=draft.goal)
    goal = goals.activate_goal(actor=draft.owner, goal=draft.goal)
    assert goal.state == State.ACTIVE
    assert progress(goal) == pytest.approx(0.4)


def test_archived_contributing_goal_does_not_make_a_goal_activatable(world, draft):
    junior = active_goal(world, "Junior")
    goals.align_goal(actor=world.ceo, junior=junior, senior=draft.goal)
    goals.archive_goal(actor=world.ceo, goal=junior)
    refused(lambda: goals.activate_goal(actor=draft.owner, goal=draft.goal), "key result")


@pytest.mark.parametrize("start", [State.ACTIVE, State.CLOSED, State.ARCHIVED])
def test_only_a_draft_can_be_activated(world, start):
    goal = active_goal(world)
    if start == State.CLOSED:
        goals.close_goal(actor=world.ceo, goal=goal, score=1, outcome=Outcome.ACHIEVED)
    if start == State.ARCHIVED:
        goals.archive_goal(actor=world.ceo, goal=goal)
    refused(lambda: goals.activate_goal(actor=world.ceo, goal=goal), "cannot be activated")
    assert state(goal) == start


# --------------------------------------------------------------------------- active → closed


def test_closing_an_active_goal_records_score_outcome_and_retrospective(world):
    goal = active_goal(world)
    world.check_in(goal, 6)
    closed = goals.close_goal(
        actor=world.ceo,
        goal=goal,
        score="0.666",
        outcome=Outcome.PARTIAL,
        retrospective="  Shipped late.  ",
    )
    stored = fresh(closed)
    assert stored.state == State.CLOSED
    assert stored.score == Decimal("0.67")
    assert stored.outcome == Outcome.PARTIAL
    assert stored.retrospective == "Shipped late."
    assert stored.closed_at is not None
    assert stored.progress == pytest.approx(0.6)


@pytest.mark.parametrize("score", [0, "0", 1, "1.0", "0.5"])
def test_score_from_0_to_1_inclusive_closes_a_goal(world, score):
    goal = active_goal(world)
    goals.close_goal(actor=world.ceo, goal=goal, score=score, outcome=Outcome.MISSED)
    assert fresh(goal).score == Decimal(str(score))


@pytest.mark.parametrize("start", [State.DRAFT, State.CLOSED, State.ARCHIVED])
def test_only_an_active_goal_can_be_closed(world, start):
    goal = active_goal(world) if start != State.DRAFT else world.goal("Draft")
    if start == State.CLOSED:
        goals.close_goal(actor=world.ceo, goal=goal, score="0.2", outcome=Outcome.MISSED)
    if start == State.ARCHIVED:
        goals.archive_goal(actor=world.ceo, goal=goal)
    refused(
        lambda: goals.close_goal(actor=world.ceo, goal=goal, score=1, outcome=Outcome.ACHIEVED),
        "cannot be closed",
    )


def test_closed_goal_keeps_its_progress_and_counts_above_with_it(world):
    company = world.goal("Company", activate=False)
    team = active_goal(world, "Team", under={company: 1})
    company = goals.activate_goal(actor=world.ceo, goal=company)
    world.check_in(team, 5)
    goals.close_goal(actor=world.ceo, goal=team, score="0.5", outcome=Outcome.PARTIAL)
    assert progress(team) == pytest.approx(0.5)
    assert progress(company) == pytest.approx(0.5)
    # A closed goal takes no more check-ins: its progress is frozen, also above it.
    with pytest.raises(ValidationError):
        world.check_in(team, 10)
    assert progress(team) == pytest.approx(0.5)
    assert progress(company) == pytest.approx(0.5)


# --------------------------------------------------------------------------- closed → active


def test_reopened_goal_is_active_again_and_follows_its_key_results(world):
    goal = active_goal(world)
    world.check_in(goal, 3)
    goals.close_goal(actor=world.ceo, goal=goal, score="0.3", outcome=Outcome.MISSED)
    reopened = goals.reopen_goal(actor=world.ceo, goal=goal)
    assert reopened.state == state(goal) == State.ACTIVE
    assert fresh(goal).score == Decimal("0.30")  # on record until closed again
    world.check_in(goal, 9)
    assert progress(goal) == pytest.approx(0.9)


@pytest.mark.parametrize("start", [State.DRAFT, State.ACTIVE, State.ARCHIVED])
def test_only_a_closed_goal_can_be_reopened(world, start):
    goal = active_goal(world) if start != State.DRAFT else world.goal("Draft")
    if start == State.ARCHIVED:
        goals.archive_goal(actor=world.ceo, goal=goal)
    refused(lambda: goals.reopen_goal(actor=world.ceo, goal=goal), "cannot be reopened")
    assert state(goal) == start


def test_reopened_goal_needs_a_key_result_or_contributing_goal(world):
    # Regression, fixed: activate_goal insists on a KR or a contributing goal, but reopen_goal does not.
    # remove_contribution only protects *active* seniors, so the only link of a closed goal
    # can be removed; reopening it then makes it active with nothing contributing
    # (progress None), which the rule "a goal becomes active only with at least one KR or
    # contributing goal" forbids. reopen_goal should refuse (or removal should be refused).
    senior = world.goal("Senior", activate=False)
    junior = active_goal(world, "Junior", under={senior: 1})
    senior = goals.activate_goal(actor=world.ceo, goal=senior)
    goals.close_goal(actor=world.ceo, goal=senior, score=1, outcome=Outcome.ACHIEVED)
    link = Contribution.objects.get(junior=junior, senior=senior)
    goals.remove_contribution(actor=world.ceo, contribution=link)
    refused(lambda: goals.reopen_goal(actor=world.ceo, goal=senior))
    assert state(senior) == State.CLOSED


# --------------------------------------------------------------------------- archive, restore


@pytest.mark.parametrize("before", [State.DRAFT, State.ACTIVE, State.CLOSED])
def test_archive_then_restore_returns_the_goal_to_its_previous_state(world, before):
    goal = active_goal(world) if before != State.DRAFT else world.goal("Draft")
    if before == State.CLOSED:
        goals.close_goal(actor=world.ceo, goal=goal, score="0.8", outcome=Outcome.ACHIEVED)
    goals.archive_goal(actor=world.ceo, goal=goal)
    assert state(goal) == State.ARCHIVED
    restored = goals.restore_goal(actor=world.ceo, goal=goal)
    assert restored.state == state(goal) == before
    if before == State.CLOSED:
        assert fresh(goal).score == Decimal("0.80")


def test_archived_goal_is_left_out_of_the_goals_above_until_restored(world):
    company = active_goal(world, "Company")
    team = active_goal(world, "Team", under={company: 1})
    world.check_in(team, 10)
    assert progress(company) == pytest.approx(0.5)  # (0 + 1) / 2
    goals.archive_goal(actor=world.ceo, goal=team)
    assert progress(company) == pytest.approx(0.0)
    goals.restore_goal(actor=world.ceo, goal=team)
    assert progress(company) == pytest.approx(0.5)


def test_an_archived_goal_cannot_be_archived_again(world):
    goal = active_goal(world)
    goals.archive_goal(actor=world.ceo, goal=goal)
    refused(lambda: goals.archive_goal(actor=world.ceo, goal=goal), "cannot be archived")


@pytest.mark.parametrize("start", [State.DRAFT, State.ACTIVE, State.CLOSED])
def test_only_an_archived_goal_can_be_restored(world, start):
    goal = active_goal(world) if start != State.DRAFT else world.goal("Draft")
    if start == State.CLOSED:
        goals.close_goal(actor=world.ceo, goal=goal, score=0, outcome=Outcome.MISSED)
    refused(lambda: goals.restore_goal(actor=world.ceo, goal=goal), "cannot be restored")
    assert state(goal) == start


def test_restored_active_goal_needs_a_key_result_or_contributing_goal(world):
    # Regression, fixed: like reopen_goal, restore_goal does not check the rule for an active goal.
    # remove_contribution refuses to remove the only link of an *active* senior, but not of
    # an archived one; restoring it then brings it back as active with nothing contributing.
    senior = world.goal("Senior", activate=False)
    junior = active_goal(world, "Junior", under={senior: 1})
    senior = goals.activate_goal(actor=world.ceo, goal=senior)
    goals.archive_goal(actor=world.ceo, goal=senior)
    link = Contribution.objects.get(junior=junior, senior=senior)
    goals.remove_contribution(actor=world.ceo, contribution=link)
    refused(lambda: goals.restore_goal(actor=world.ceo, goal=senior))
    assert state(senior) == State.ARCHIVED


def test_key_results_cannot_be_added_to_an_archived_goal_through_a_stale_copy(world):
    # Regression, fixed: add_key_result decides on the caller's Goal instance (state and owner) without
    # reading the row again under a lock, unlike the other KR services. A copy loaded before
    # the goal was archived — a request racing the archive — adds a KR to an archived goal.
    goal = active_goal(world)
    stale = fresh(goal)
    goals.archive_goal(actor=world.ceo, goal=goal)
    refused(lambda: goals.add_key_result(actor=world.ceo, goal=stale, title="Late", target=5))
    assert KeyResult.objects.filter(goal=goal).count() == 1


# --------------------------------------------------------------------------- what stays active


def test_last_key_result_of_a_draft_goal_can_be_removed(world):
    goal = world.goal("Draft", krs=[metric(0, 10)], activate=False)
    goals.remove_key_result(actor=world.ceo, key_result=world.kr(goal))
    assert not KeyResult.objects.filter(goal=goal).exists()
    assert state(goal) == State.DRAFT


def test_last_key_result_can_go_while_a_contributing_goal_remains(world):
    senior = active_goal(world, "Senior")
    active_goal(world, "Junior", under={senior: 1})
    goals.remove_key_result(actor=world.ceo, key_result=world.kr(senior))
    assert state(senior) == State.ACTIVE
    assert not KeyResult.objects.filter(goal=senior).exists()


def test_a_key_result_goes_while_another_remains(world):
    goal = world.goal("Two", krs=[metric(0, 10), metric(0, 10)])
    goals.remove_key_result(actor=world.ceo, key_result=world.kr(goal, 0))
    assert KeyResult.objects.filter(goal=goal).count() == 1


def test_only_link_of_a_senior_with_a_key_result_can_be_removed(world):
    senior = active_goal(world, "Senior")
    junior = active_goal(world, "Junior", under={senior: 1})
    link = Contribution.objects.get(junior=junior, senior=senior)
    goals.remove_contribution(actor=world.ceo, contribution=link)
    assert not Contribution.objects.filter(pk=link.pk).exists()


def test_only_link_of_a_draft_senior_can_be_removed(world):
    senior = world.goal("Senior", activate=False)
    junior = active_goal(world, "Junior", under={senior: 1})
    goals.remove_contribution(
        actor=world.ceo, contribution=Contribution.objects.get(junior=junior, senior=senior)
    )
    assert state(senior) == State.DRAFT


# --------------------------------------------------------------------------- audit events


@pytest.fixture
def scene(world):
    """The CEO's company goal, Olive's team goal under it; Olive acts on her own."""
    olive = world.person("Olive Owner", manager=world.ceo)
    company = active_goal(world, "Company")
    team = world.goal("Team", owner=olive, krs=[metric(0, 10)], under={company: 1})
    return SimpleNamespace(
        world=world,
        olive=olive,
        company=company,
        team=fresh(team),
        kr=world.kr(team),
        link=Contribution.objects.get(junior=team, senior=company),
    )


def checked(event: AuditEvent, s, kind: EventKind, actor, goal: Goal | None, subject) -> None:
    assert event.kind == kind
    assert event.actor == actor
    assert event.organisation_id == s.world.organisation.pk
    assert event.goal_id == (goal.pk if goal else None)
    assert event.object_type == subject._meta.model_name
    assert event.object_id == subject.pk


def test_create_goal_records_goal_created(scene):
    goal, event = one_event(
        lambda: goals.create_goal(actor=scene.olive, title="New", period=scene.world.period)
    )
    checked(event, scene, EventKind.GOAL_CREATED, scene.olive, goal, goal)
    assert event.data["title"] == "New"
    assert event.data["owner"] == scene.olive.pk


def test_update_goal_records_what_changed(scene):
    _, event = one_event(
        lambda: goals.update_goal(
            actor=scene.olive, goal=scene.team, title="Team 2", visibility="private"
        )
    )
    checked(event, scene, EventKind.GOAL_CHANGED, scene.olive, scene.team, scene.team)
    assert event.data == {"title": ["Team", "Team 2"], "visibility": ["public", "private"]}


def test_update_goal_without_a_change_records_nothing(scene):
    before = AuditEvent.objects.count()
    goals.update_goal(actor=scene.olive, goal=scene.team, title="Team")
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("close", EventKind.GOAL_CLOSED),
        ("reopen", EventKind.GOAL_REOPENED),
        ("archive", EventKind.GOAL_ARCHIVED),
        ("restore", EventKind.GOAL_RESTORED),
        ("activate", EventKind.GOAL_ACTIVATED),
    ],
)
def test_each_state_change_records_its_own_event(scene, name, kind):
    goal, actor = scene.team, scene.olive
    if name == "reopen":
        goals.close_goal(actor=actor, goal=goal, score=1, outcome=Outcome.ACHIEVED)
    if name == "restore":
        goals.archive_goal(actor=actor, goal=goal)
    if name == "activate":
        goal = goals.create_goal(actor=actor, title="Draft", period=scene.world.period)
        goals.add_key_result(actor=actor, goal=goal, title="KR", target=1)
    before = state(goal)
    calls = {
        "close": lambda: goals.close_goal(
            actor=actor, goal=goal, score="0.9", outcome=Outcome.ACHIEVED
        ),
        "reopen": lambda: goals.reopen_goal(actor=actor, goal=goal),
        "archive": lambda: goals.archive_goal(actor=actor, goal=goal),
        "restore": lambda: goals.restore_goal(actor=actor, goal=goal),
        "activate": lambda: goals.activate_goal(actor=actor, goal=goal),
    }
    _, event = one_event(calls[name])
    checked(event, scene, kind, actor, goal, goal)
    assert event.data["state"] == [before, state(goal)]
    if name == "close":
        assert event.data["score"] == "0.90"
        assert event.data["outcome"] == Outcome.ACHIEVED


def test_add_key_result_records_key_result_added(scene):
    kr, event = one_event(
        lambda: goals.add_key_result(
            actor=scene.olive, goal=scene.team, title="NPS", start=20, target=40
        )
    )
    checked(event, scene, EventKind.KEY_RESULT_ADDED, scene.olive, scene.team, kr)
    assert event.data["title"] == "NPS"
    assert Decimal(event.data["target"]) == 40


def test_update_key_result_records_what_changed(scene):
    _, event = one_event(
        lambda: goals.update_key_result(actor=scene.olive, key_result=scene.kr, target=20)
    )
    checked(event, scene, EventKind.KEY_RESULT_CHANGED, scene.olive, scene.team, scene.kr)
    assert [Decimal(v) for v in event.data["target"]] == [10, 20]


def test_update_key_result_without_a_change_records_nothing(scene):
    before = AuditEvent.objects.count()
    goals.update_key_result(actor=scene.olive, key_result=scene.kr, target="10.0")
    assert AuditEvent.objects.count() == before


def test_remove_key_result_records_key_result_removed(scene):
    second = goals.add_key_result(actor=scene.olive, goal=scene.team, title="Two", target=3)
    _, event = one_event(lambda: goals.remove_key_result(actor=scene.olive, key_result=second))
    checked(event, scene, EventKind.KEY_RESULT_REMOVED, scene.olive, scene.team, scene.team)
    assert event.data["key_result"] == second.pk
    assert event.data["title"] == "Two"


def test_check_in_records_checked_in(scene):
    checkin, event = one_event(
        lambda: goals.check_in(actor=scene.olive, key_result=scene.kr, value=7, confidence=8)
    )
    checked(event, scene, EventKind.CHECKED_IN, scene.olive, scene.team, checkin)
    assert event.data["key_result"] == scene.kr.pk
    assert Decimal(event.data["value"]) == 7
    assert event.data["previous"] is None
    assert event.data["confidence"] == 8


def test_data_source_check_in_records_no_person(scene):
    checkin, event = one_event(
        lambda: goals.check_in(
            actor=None, key_result=scene.kr, value=2, source="connector", run_id="r1"
        )
    )
    checked(event, scene, EventKind.CHECKED_IN, None, scene.team, checkin)
    assert event.data["source"] == "connector"


def test_align_records_contribution_added(scene):
    other = scene.world.goal("Other", owner=scene.olive, krs=[metric(0, 10)])
    link, event = one_event(
        lambda: goals.align_goal(
            actor=scene.olive, junior=other, senior=scene.company, weight="2.5"
        )
    )
    checked(event, scene, EventKind.GOAL_ALIGNED, scene.olive, scene.company, link)
    assert event.data == {"junior": other.pk, "senior": scene.company.pk, "weight": "2.500"}


def test_reweight_records_contribution_weight_changed(scene):
    _, event = one_event(
        lambda: goals.change_contribution_weight(
            actor=scene.olive, contribution=scene.link, weight=3
        )
    )
    checked(
        event,
        scene,
        EventKind.CONTRIBUTION_WEIGHT_CHANGED,
        scene.olive,
        scene.company,
        scene.link,
    )
    assert [Decimal(w) for w in event.data["weight"]] == [1, 3]


def test_reweight_to_the_same_weight_records_nothing(scene):
    before = AuditEvent.objects.count()
    goals.change_contribution_weight(actor=scene.olive, contribution=scene.link, weight="1.000")
    assert AuditEvent.objects.count() == before


def test_remove_contribution_records_contribution_removed(scene):
    _, event = one_event(
        lambda: goals.remove_contribution(actor=scene.olive, contribution=scene.link)
    )
    checked(event, scene, EventKind.CONTRIBUTION_REMOVED, scene.olive, scene.company, scene.company)
    assert event.data["junior"] == scene.team.pk
    assert event.data["senior"] == scene.company.pk


def test_refused_writes_record_nothing(scene):
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError):
        goals.check_in(actor=scene.olive, key_result=scene.kr, value="NaN")
    with pytest.raises(ValidationError):
        goals.close_goal(actor=scene.olive, goal=scene.team, score=2, outcome="achieved")
    with pytest.raises(ValidationError):
        goals.align_goal(actor=scene.olive, junior=scene.company, senior=scene.team)
    assert AuditEvent.objects.count() == before
