"""Review cycles: phases, the goals setting, snapshots, assessments, visibility and scores."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cascade.audit.models import AuditEvent, EventKind
from cascade.performance import selectors, services
from cascade.performance.models import Assessment, GoalRating, Review
from tests.performance.test_sheets import build_sheet


def advance_to(team, cycle, phase):
    while cycle.phase != phase:
        cycle = services.advance_phase(actor=team.world.ceo, cycle=cycle)
    return cycle


def include_goals(team, on=True):
    services.set_goals_in_reviews(actor=team.world.ceo, enabled=on)
    team.world.organisation.refresh_from_db()
    for member in (team.report, team.manager, team.world.ceo):
        member.organisation.refresh_from_db()


def rate_everything(team, assessment, competency_rating=3, goal_rating=4, submit=True):
    page = selectors.review_page(
        team.manager if assessment.kind == "manager" else team.report, assessment.review
    )
    view = page.manager_assessment if assessment.kind == "manager" else page.self_assessment
    return services.save_assessment(
        actor=team.manager if assessment.kind == "manager" else team.report,
        assessment=assessment,
        competency_ratings={
            r.competency_id: (competency_rating, "ok") for r in view.competency_ratings
        },
        goal_ratings={r.pk: (goal_rating, "fine") for r in view.goal_ratings}
        if page.include_goals
        else None,
        overall_comment="A good half",
        submit=submit,
    )


# --------------------------------------------------------------------------- the setting


def test_only_super_users_switch_goals_in_reviews_and_it_is_audited(team):
    with pytest.raises(PermissionDenied):
        services.set_goals_in_reviews(actor=team.manager, enabled=True)
    team.world.organisation.refresh_from_db()
    assert team.world.organisation.include_goals_in_reviews is False
    services.set_goals_in_reviews(actor=team.world.ceo, enabled=True)
    event = AuditEvent.objects.get(kind=EventKind.GOALS_IN_REVIEWS_CHANGED)
    assert event.actor == team.world.ceo
    assert event.data == {"include_goals_in_reviews": [False, True]}
    assert event.created_at is not None


def test_a_cycle_follows_the_setting_in_planning_and_keeps_it_once_started(team):
    build_sheet(team)
    include_goals(team)
    started = advance_to(team, team.cycle(), "manager_assessment")
    planned = team.cycle(name="Next reviews")
    assert (started.include_goals, planned.include_goals) == (True, True)
    review = Review.objects.get(cycle=started)
    assessment = Assessment.objects.get(review=review, kind="manager")
    rate_everything(team, assessment, competency_rating=3, goal_rating=5)  # submitted
    before = selectors.review_page(team.manager, review).manager_assessment.scores

    include_goals(team, on=False)
    started.refresh_from_db()
    planned.refresh_from_db()
    assert started.include_goals is True  # started with goals: keeps them
    assert planned.include_goals is False  # not started yet: follows the organisation
    assert team.cycle(name="Later reviews").include_goals is False
    page = selectors.review_page(team.manager, review)
    assert page.include_goals is True
    assert page.manager_assessment.scores == before  # the submitted scores are not relabelled
    assert page.manager_assessment.goal_ratings  # the goals column is still there


def test_a_cycle_started_without_goals_does_not_take_goal_ratings_after_the_switch(team):
    build_sheet(team)
    cycle = advance_to(team, team.cycle(), "manager_assessment")
    include_goals(team)
    review = Review.objects.get(cycle=cycle)
    assert selectors.review_page(team.manager, review).include_goals is False
    with pytest.raises(ValidationError, match="does not include goals"):
        services.save_assessment(
            actor=team.manager,
            assessment=Assessment.objects.get(review=review, kind="manager"),
            goal_ratings={GoalRating.objects.first().pk: (3, "")},
        )


def test_without_goals_there_is_no_goals_column_and_competencies_count_fully(team):
    build_sheet(team)
    cycle = advance_to(team, team.cycle(), "manager_assessment")
    review = Review.objects.get(cycle=cycle)
    assessment = Assessment.objects.get(review=review, kind="manager")
    rate_everything(team, assessment, competency_rating=4, submit=False)
    page = selectors.review_page(team.manager, review)
    assert page.include_goals is False
    assert page.manager_assessment.scores.goals is None
    assert page.manager_assessment.scores.overall == 4  # competencies count 100 %
    with pytest.raises(ValidationError, match="does not include goals"):
        services.save_assessment(
            actor=team.manager,
            assessment=assessment,
            goal_ratings={GoalRating.objects.first().pk: (3, "")},
        )


def test_with_goals_the_column_has_the_sheet_and_the_score_splits(team):
    build_sheet(team)
    include_goals(team)
    cycle = advance_to(
        team, team.cycle(goals_weight="0.4", competencies_weight="0.6"), "manager_assessment"
    )
    review = Review.objects.get(cycle=cycle)
    assessment = Assessment.objects.get(review=review, kind="manager")
    page = selectors.review_page(team.manager, review)
    rows = [
        (r.title, int(r.weight), round(r.achieved, 6)) for r in page.manager_assessment.goal_ratings
    ]
    assert rows == [
        ("Write the handbook", 40, 20),
        ("Ship the product KR 1", 30, 24),
        ("Grow the community", 30, 7.5),
    ]
    goal_ids = [r.pk for r in page.manager_assessment.goal_ratings]
    services.save_assessment(
        actor=team.manager,
        assessment=assessment,
        competency_ratings={
            r.competency_id: (3, "") for r in page.manager_assessment.competency_ratings
        },
        # weighted by the sheet's weights: (5 × 40 + 3 × 30 + 2 × 30) / 100 = 3.5
        goal_ratings={goal_ids[0]: (5, "Superb"), goal_ids[1]: (3, ""), goal_ids[2]: (2, "")},
    )
    scores = selectors.review_page(team.manager, review).manager_assessment.scores
    assert scores.goals == pytest.approx(3.5)
    assert scores.competencies == 3
    assert scores.overall == pytest.approx(3.5 * 0.4 + 3 * 0.6)  # = 3.2


def test_the_split_must_add_up_to_one_and_only_super_users_change_it(team):
    cycle = team.cycle()
    with pytest.raises(ValidationError) as error:
        services.change_review_split(
            actor=team.world.ceo, cycle=cycle, goals_weight="0.7", competencies_weight="0.7"
        )
    assert "competencies_weight" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        services.change_review_split(
            actor=team.manager, cycle=cycle, goals_weight="0.3", competencies_weight="0.7"
        )
    services.change_review_split(
        actor=team.world.ceo, cycle=cycle, goals_weight="0.3", competencies_weight="0.7"
    )
    cycle.refresh_from_db()
    assert (float(cycle.goals_weight), float(cycle.competencies_weight)) == (0.3, 0.7)


# --------------------------------------------------------------------------- snapshots


def test_a_check_in_after_the_phase_opens_does_not_change_the_review(team):
    build_sheet(team)
    include_goals(team)
    cycle = advance_to(team, team.cycle(), "manager_assessment")
    review = Review.objects.get(cycle=cycle)
    team.world.check_in(team.kr_goal, 10)  # live: 24 → 30
    row = next(
        r
        for r in selectors.review_page(team.manager, review).manager_assessment.goal_ratings
        if r.weight == 30 and r.item.kind == "key_result"
    )
    assert row.achieved == pytest.approx(24)  # the snapshot stands


def test_refreshing_the_snapshot_takes_the_new_figures_keeps_ratings_and_is_recorded(team):
    build_sheet(team)
    include_goals(team)
    cycle = advance_to(team, team.cycle(), "manager_assessment")
    assessment = Assessment.objects.get(review__cycle=cycle, kind="manager")
    kr_row = GoalRating.objects.get(assessment=assessment, item__kind="key_result")
    services.save_assessment(
        actor=team.manager, assessment=assessment, goal_ratings={kr_row.pk: (4, "Solid")}
    )
    taken = Assessment.objects.get(pk=assessment.pk).goals_snapshot_at
    team.world.check_in(team.kr_goal, 10)
    services.refresh_goals_snapshot(actor=team.manager, assessment=assessment)
    fresh = GoalRating.objects.get(assessment=assessment, item__kind="key_result")
    assert fresh.achieved == pytest.approx(30)
    assert (fresh.rating, fresh.comment) == (4, "Solid")
    assert Assessment.objects.get(pk=assessment.pk).goals_snapshot_at > taken
    event = AuditEvent.objects.get(kind=EventKind.GOALS_SNAPSHOT_REFRESHED)
    assert event.actor == team.manager


# --------------------------------------------------------------------------- phases and visibility


def test_assessments_are_written_in_their_phase_only(team):
    cycle = advance_to(team, team.cycle(), "self_assessment")
    review = Review.objects.get(cycle=cycle)
    self_assessment = Assessment.objects.get(review=review, kind="self")
    assert not Assessment.objects.filter(review=review, kind="manager").exists()
    rate_everything(team, self_assessment)
    cycle = services.advance_phase(actor=team.world.ceo, cycle=cycle)  # manager assessment opens
    manager_assessment = Assessment.objects.get(review=review, kind="manager")
    self_assessment.refresh_from_db()
    with pytest.raises(ValidationError, match="during the “Self assessment” phase"):
        services.save_assessment(
            actor=team.report, assessment=self_assessment, overall_comment="again"
        )
    with pytest.raises(PermissionDenied):
        services.save_assessment(
            actor=team.report, assessment=manager_assessment, overall_comment="mine"
        )
    cycle = services.advance_phase(actor=team.world.ceo, cycle=cycle)  # calibration
    with pytest.raises(ValidationError, match="Manager assessment"):
        services.save_assessment(
            actor=team.manager, assessment=manager_assessment, overall_comment="late"
        )
    with pytest.raises(PermissionDenied):
        services.advance_phase(actor=team.manager, cycle=cycle)


def test_a_submitted_assessment_is_final(team):
    cycle = advance_to(team, team.cycle(), "self_assessment")
    assessment = rate_everything(team, Assessment.objects.get(review__cycle=cycle, kind="self"))
    with pytest.raises(ValidationError, match="submitted and is final"):
        services.save_assessment(actor=team.report, assessment=assessment, overall_comment="again")


def test_submitting_needs_every_rating(team):
    cycle = advance_to(team, team.cycle(), "self_assessment")
    assessment = Assessment.objects.get(review__cycle=cycle, kind="self")
    with pytest.raises(ValidationError, match="Rate every competency"):
        services.save_assessment(actor=team.report, assessment=assessment, submit=True)
    assert Assessment.objects.get(pk=assessment.pk).submitted_at is None
    with pytest.raises(ValidationError) as error:
        services.save_assessment(
            actor=team.report,
            assessment=assessment,
            competency_ratings={assessment.competency_ratings.first().competency_id: (9, "")},
        )
    assert any(key.startswith("competency_") for key in error.value.message_dict)


def test_the_reviewee_sees_the_managers_assessment_only_once_shared(team):
    cycle = advance_to(team, team.cycle(), "manager_assessment")
    review = Review.objects.get(cycle=cycle)
    rate_everything(team, Assessment.objects.get(review=review, kind="manager"))
    mine = selectors.review_page(team.report, review)
    assert mine.manager_assessment is None
    assert mine.manager_assessment_hidden is True
    assert selectors.review_page(team.manager, review).manager_assessment is not None
    cycle = advance_to(team, cycle, "shared")
    shared = selectors.review_page(team.report, Review.objects.get(pk=review.pk))
    assert shared.manager_assessment is not None
    assert shared.manager_assessment.assessment.overall_comment == "A good half"


def test_a_super_user_reopens_a_submitted_assessment_and_it_is_audited(team):
    cycle = advance_to(team, team.cycle(), "self_assessment")
    assessment = rate_everything(team, Assessment.objects.get(review__cycle=cycle, kind="self"))
    with pytest.raises(PermissionDenied):
        services.reopen_assessment(actor=team.manager, assessment=assessment)
    services.reopen_assessment(actor=team.world.ceo, assessment=assessment)
    assert Assessment.objects.get(pk=assessment.pk).submitted_at is None
    assert (
        AuditEvent.objects.filter(kind=EventKind.ASSESSMENT_REOPENED, actor=team.world.ceo).count()
        == 1
    )
    services.save_assessment(
        actor=team.report, assessment=assessment, overall_comment="Second thoughts"
    )


def test_cycle_creation_is_for_super_users_and_validates_everything(team):
    with pytest.raises(PermissionDenied):
        services.create_review_cycle(
            actor=team.manager,
            name="Mine",
            period=team.world.period,
            competencies=[("A", "")],
            scale=[(1, "a"), (2, "b")],
        )
    with pytest.raises(ValidationError) as error:
        services.create_review_cycle(
            actor=team.world.ceo,
            name="",
            period=team.world.period,
            competencies=[],
            scale=[(1, "only one")],
            goals_weight="0.9",
            competencies_weight="0.9",
        )
    assert {"name"} <= set(error.value.message_dict)
    with pytest.raises(ValidationError) as error:
        services.create_review_cycle(
            actor=team.world.ceo,
            name="Ok",
            period=team.world.period,
            competencies=[],
            scale=[(1, "only one")],
        )
    assert {"competencies", "scale"} <= set(error.value.message_dict)
    everyone = services.create_review_cycle(
        actor=team.world.ceo,
        name="All hands",
        period=team.world.period,
        competencies=[("A", "")],
        scale=[(1, "a"), (2, "b")],
    )
    assert (
        Review.objects.filter(cycle=everyone).count() == 4
    )  # the CEO, the manager, her report, the outsider
