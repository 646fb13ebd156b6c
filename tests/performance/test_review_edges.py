"""The edges of reviews: reopening after a phase, scores before everything is rated, an empty
goal sheet, someone with no manager, private goals on a sheet, a split past three places, and
managers higher up. The scene is tests/performance/scene.py: the CEO → Mona → Rob."""

import pytest
from django.core.exceptions import ValidationError

from cascade.goals.models import Visibility
from cascade.performance import selectors, services
from cascade.performance.figures import PRIVATE_GOAL, PRIVATE_KEY_RESULT
from cascade.performance.models import Assessment, Review
from tests.api.conftest import api_for
from tests.api.test_query_counts import count_queries
from tests.builders import metric
from tests.performance.test_reviews import advance_to, include_goals, rate_everything
from tests.performance.test_sheets import build_sheet


def manager_assessment(cycle) -> Assessment:
    return Assessment.objects.get(review__cycle=cycle, kind="manager")


# --------------------------------------------------------------------------- reopening


def test_a_manager_assessment_reopened_in_calibration_can_be_changed_and_resubmitted(team):
    cycle = advance_to(team, team.cycle(), "manager_assessment")
    assessment = rate_everything(team, manager_assessment(cycle), competency_rating=3)
    cycle = advance_to(team, cycle, "calibration")
    services.reopen_assessment(actor=team.world.ceo, assessment=assessment)

    page = selectors.review_page(team.manager, Review.objects.get(cycle=cycle))
    assert page.manager_assessment.writable
    resubmitted = rate_everything(team, assessment, competency_rating=4)
    assert resubmitted.is_submitted
    scores = selectors.review_page(team.manager, Review.objects.get(cycle=cycle))
    assert scores.manager_assessment.scores.competencies == 4


def test_only_a_reopened_assessment_is_written_after_its_phase_and_never_once_closed(team):
    cycle = advance_to(team, team.cycle(), "self_assessment")
    self_assessment = Assessment.objects.get(review__cycle=cycle, kind="self")
    cycle = advance_to(team, cycle, "calibration")
    # never submitted, never reopened: its phase is over
    with pytest.raises(ValidationError, match="during the “Self assessment” phase"):
        rate_everything(team, self_assessment)
    with pytest.raises(ValidationError, match="during the “Manager assessment” phase"):
        rate_everything(team, manager_assessment(cycle), submit=False)


def test_reopening_a_manager_assessment_that_missed_its_phase_is_refused_plainly(team):
    cycle = advance_to(team, team.cycle(), "calibration")
    with pytest.raises(ValidationError, match="not been submitted"):
        services.reopen_assessment(actor=team.world.ceo, assessment=manager_assessment(cycle))


def test_a_reopened_assessment_is_final_once_the_reviews_are_shared(team):
    cycle = advance_to(team, team.cycle(), "manager_assessment")
    assessment = rate_everything(team, manager_assessment(cycle))
    cycle = advance_to(team, cycle, "calibration")
    services.reopen_assessment(actor=team.world.ceo, assessment=assessment)
    rate_everything(team, assessment, submit=False)  # open while calibrating
    advance_to(team, cycle, "shared")
    with pytest.raises(ValidationError, match="this cycle is in “Shared”"):
        rate_everything(team, assessment)


def test_nothing_is_reopened_once_the_reviews_are_shared(team):
    cycle = advance_to(team, team.cycle(), "manager_assessment")
    assessment = rate_everything(team, manager_assessment(cycle))
    advance_to(team, cycle, "shared")
    with pytest.raises(ValidationError, match="shared"):
        services.reopen_assessment(actor=team.world.ceo, assessment=assessment)
    assert Assessment.objects.get(pk=assessment.pk).is_submitted


# --------------------------------------------------------------------------- scores


def test_no_score_shows_until_every_part_is_rated(team):
    build_sheet(team)
    include_goals(team)
    cycle = advance_to(team, team.cycle(), "manager_assessment")
    review = Review.objects.get(cycle=cycle)
    view = selectors.review_page(team.manager, review).manager_assessment
    first_competency = view.competency_ratings[0].competency_id
    services.save_assessment(
        actor=team.manager,
        assessment=view.assessment,
        competency_ratings={first_competency: (5, "")},
        goal_ratings={view.goal_ratings[0].pk: (5, "")},
    )
    scores = selectors.review_page(team.manager, review).manager_assessment.scores
    # one of two competencies and one of three goals: no 5.0 from the first ratings alone
    assert (scores.competencies, scores.goals, scores.overall) == (None, None, None)

    rate_everything(team, view.assessment, competency_rating=3, goal_rating=4, submit=False)
    scores = selectors.review_page(team.manager, review).manager_assessment.scores
    assert (scores.competencies, scores.goals, scores.overall) == (3, 4, 3.5)


def test_with_goals_included_an_empty_sheet_is_scored_on_competencies(team):
    include_goals(team)
    cycle = advance_to(team, team.cycle(), "manager_assessment")
    assessment = rate_everything(team, manager_assessment(cycle), competency_rating=4)
    page = selectors.review_page(team.manager, Review.objects.get(cycle=cycle))
    assert page.manager_assessment.goal_ratings == []
    assert page.manager_assessment.scores.overall == 4
    assert assessment.is_submitted


def test_the_split_is_checked_as_it_is_stored(team):
    with pytest.raises(ValidationError) as error:
        team.cycle(goals_weight="0.3335", competencies_weight="0.6665")
    assert "three decimal places" in str(error.value.message_dict)
    cycle = team.cycle(name="Thirds", goals_weight="0.333", competencies_weight="0.667")
    with pytest.raises(ValidationError, match="three decimal places"):
        services.change_review_split(
            actor=team.world.ceo, cycle=cycle, goals_weight="0.1235", competencies_weight="0.8765"
        )
    cycle.refresh_from_db()
    assert (str(cycle.goals_weight), str(cycle.competencies_weight)) == ("0.333", "0.667")


# --------------------------------------------------------------------------- who


def test_someone_with_no_manager_has_a_review_of_their_self_assessment_alone(team):
    ceo = team.world.ceo
    cycle = team.cycle(people=[ceo, team.report])
    cycle = advance_to(team, cycle, "manager_assessment")
    ceo_review = Review.objects.get(cycle=cycle, reviewee=ceo)
    assert ceo_review.manager_id is None
    assert list(Assessment.objects.filter(review=ceo_review).values_list("kind", flat=True)) == [
        "self"
    ]
    assert Assessment.objects.filter(review__reviewee=team.report, kind="manager").exists()


def test_managers_higher_up_find_the_reviews_of_the_people_below_them(team):
    intern = team.world.person("Ian Intern", manager=team.report)
    cycle = team.cycle(people=[team.report, intern])
    # Mona's own list: the reviews she writes (Rob's); Ian's she finds through Ian
    assert {r.reviewee_id for r in selectors.reviews_for(team.manager)} == {team.report.pk}
    ians = selectors.reviews_of(team.manager, intern)
    assert [r.reviewee_id for r in ians] == [intern.pk]
    selectors.get_review(team.manager, ians[0].pk)  # and may open it
    assert not selectors.reviews_of(team.outsider, intern).exists()
    assert selectors.reviews_of(team.world.ceo, intern).get().cycle_id == cycle.pk
    assert selectors.reviews_of(intern, intern).exists()
    api = api_for(team.manager).get(f"/reviews?reviewee={intern.pk}")
    assert [r["reviewee"]["id"] for r in api.body["items"]] == [intern.pk]
    assert api_for(team.outsider).get(f"/reviews?reviewee={intern.pk}").body["count"] == 0


# --------------------------------------------------------------------------- private goals


def private_links(team):
    """A private goal of the outsider's, with a KR, on Rob's sheet (the CEO links it: he sees all)."""
    secret = team.world.goal(
        "Secret merger plan",
        owner=team.outsider,
        krs=[metric(0, 10)],
        visibility=Visibility.PRIVATE,
    )
    team.world.check_in(secret, 5)
    ceo = team.world.ceo
    services.add_sheet_item(actor=ceo, sheet=team.sheet, kind="goal", goal=secret, weight=10)
    services.add_sheet_item(
        actor=ceo, sheet=team.sheet, kind="key_result", key_result=team.world.kr(secret), weight=10
    )
    return secret


def test_a_sheet_hides_the_titles_of_goals_the_reader_may_not_see_and_keeps_the_numbers(team):
    private_links(team)
    sheet = selectors.get_sheet(team.manager, team.sheet.pk)
    hidden = selectors.sheet_page(team.manager, sheet)
    rows = [(f.title, f.source, f.progress, f.achieved) for f in hidden.figures]
    assert rows == [
        (PRIVATE_GOAL, "Goal", 0.5, 5.0),
        (PRIVATE_KEY_RESULT, "Key result of a private goal", 0.5, 5.0),
    ]
    assert "Secret" not in repr(rows)
    shown = selectors.sheet_page(team.world.ceo, sheet)
    assert [f.title for f in shown.figures] == ["Secret merger plan", "Secret merger plan KR 1"]


def test_a_review_snapshot_hides_private_titles_from_readers_who_may_not_see_them(team):
    private_links(team)
    include_goals(team)
    cycle = advance_to(team, team.cycle(), "manager_assessment")
    review = Review.objects.get(cycle=cycle)
    titles = [
        r.title for r in selectors.review_page(team.manager, review).manager_assessment.goal_ratings
    ]
    assert titles == [PRIVATE_GOAL, PRIVATE_GOAL]
    ceo_titles = [
        r.title
        for r in selectors.review_page(team.world.ceo, review).manager_assessment.goal_ratings
    ]
    assert ceo_titles == ["Secret merger plan", "Secret merger plan KR 1"]


def test_the_sheet_api_gives_no_ids_of_goals_the_reader_may_not_see(team):
    secret = private_links(team)
    items = api_for(team.manager).get(f"/goal-sheets/{team.sheet.pk}").body["items"]
    assert [(i["title"], i["goal"], i["key_result"], i["achieved"]) for i in items] == [
        (PRIVATE_GOAL, None, None, 5.0),
        (PRIVATE_KEY_RESULT, None, None, 5.0),
    ]
    shown = api_for(team.world.ceo).get(f"/goal-sheets/{team.sheet.pk}").body["items"]
    assert [i["goal"] for i in shown] == [secret.pk, None]
    assert shown[1]["key_result"] == team.world.kr(secret).pk


def test_a_persons_reviews_cost_the_same_queries_for_a_manager_two_levels_up(team):
    """Mona reads her report's report's reviews: the reporting line is walked once, not per row."""
    intern = team.world.person("Ian Intern", manager=team.report)
    mona = api_for(team.manager)
    path = f"/reviews?reviewee={intern.pk}"

    def queries() -> int:
        return count_queries(mona, path)

    cycle = advance_to(team, team.cycle(name="One", people=[intern]), "shared")
    one = queries()
    for n in range(4):
        advance_to(team, team.cycle(name=f"More {n}", people=[intern]), "shared")
    assert queries() == one
    listed = mona.get(path).body["items"]
    assert len(listed) == 5
    assert all(r["manager_assessment"] is not None for r in listed)  # Mona sees them all
    assert cycle.pk in {r["cycle"]["id"] for r in listed}
