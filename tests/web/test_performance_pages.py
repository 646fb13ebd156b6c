"""Performance pages: goal sheets, review cycles, the review with its goals column, the setting."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from cascade.audit.models import AuditEvent, EventKind
from cascade.performance import services
from cascade.performance.models import Assessment, GoalSheet, Review, ReviewCycle, SheetItem
from tests.performance.test_sheets import build_sheet
from tests.web.helpers import sign_in, url
from tests.web.page_parts import part


def test_my_sheet_is_made_on_first_visit_and_shows_totals(client, team):
    build_sheet(team)
    sign_in(client, team.report)
    response = client.get(url(team.world, "person-sheet", team.report.pk))
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    text = page.text
    assert "Total target value" in text
    assert "100" in text
    assert "51.5" in text  # achieved: 20 + 24 + 7.5
    assert "52 %" in text  # 51.5 %, rounded


def test_adding_items_from_the_page_with_errors_next_to_fields(client, team):
    sign_in(client, team.report)
    sheet_url = url(team.world, "sheet", team.sheet.pk)
    bad = client.post(
        sheet_url, {"kind": "measure", "weight": "10", "title": "", "start": "0", "target": "5"}
    )
    assert bad.status_code == 400
    assert "This field is required." in bad.text
    assert not SheetItem.objects.exists()
    ok = client.post(sheet_url, {"kind": "key_result", "weight": "25", "key_result": team.kr.pk})
    assert ok.status_code == 302
    item = SheetItem.objects.get()
    client.post(url(team.world, "sheet-item", item.pk), {"action": "weight", "weight": "35"})
    assert SheetItem.objects.get().weight == 35


def test_others_cannot_see_a_sheet_and_another_organisation_is_not_found(client, team):
    sign_in(client, team.outsider)
    assert client.get(url(team.world, "sheet", team.sheet.pk)).status_code == 404
    assert client.get(url(team.world, "person-sheet", team.report.pk)).status_code == 404
    sign_in(client, team.manager)
    assert client.get(url(team.world, "sheet", team.sheet.pk)).status_code == 200


GOALS_SETTING = 'name="include_goals_in_reviews"'  # the setting's checkbox


def test_only_super_users_see_and_change_the_goals_setting(client, team):
    # The control lives on the settings page: a super user sees it there ...
    sign_in(client, team.world.ceo)
    settings_page = client.get(url(team.world, "org-settings"))
    assert settings_page.status_code == 200
    assert GOALS_SETTING in settings_page.text
    assert f'action="{url(team.world, "settings-goals-in-reviews")}"' in settings_page.text
    # ... and a member, even a manager, is refused that page and the setting's URL.
    sign_in(client, team.manager)
    refused = client.get(url(team.world, "org-settings"))
    assert refused.status_code == 403
    assert GOALS_SETTING not in refused.text
    assert GOALS_SETTING not in client.get(url(team.world, "performance")).text
    assert (
        client.post(
            url(team.world, "settings-goals-in-reviews"), {"include_goals_in_reviews": "on"}
        ).status_code
        == 403
    )
    team.world.organisation.refresh_from_db()
    assert team.world.organisation.include_goals_in_reviews is False
    assert not AuditEvent.objects.filter(kind=EventKind.GOALS_IN_REVIEWS_CHANGED).exists()

    sign_in(client, team.world.ceo)
    client.post(url(team.world, "settings-goals-in-reviews"), {"include_goals_in_reviews": "on"})
    team.world.organisation.refresh_from_db()
    assert team.world.organisation.include_goals_in_reviews is True
    assert AuditEvent.objects.filter(
        kind=EventKind.GOALS_IN_REVIEWS_CHANGED, actor=team.world.ceo
    ).exists()
    checked = part(client.get(url(team.world, "org-settings")).text, "input", id="include-goals")
    assert "checked" in checked


def test_a_super_user_creates_a_cycle_and_moves_its_phases(client, team):
    sign_in(client, team.world.ceo)
    form = {
        "name": "Year-end",
        "period": team.world.period.pk,
        "participation": "everyone",
        "competency_text": "Ownership: owns it\nCraft",
        "scale_text": "1 Low\n2 Mid\n3 High",
        "goals_weight": "0.5",
        "competencies_weight": "0.5",
    }
    bad = client.post(
        url(team.world, "review-cycle-new"),
        {**form, "scale_text": "Low\nHigh", "competencies_weight": "0.9"},
    )
    assert bad.status_code == 400
    assert "is not a level" in bad.text
    assert not ReviewCycle.objects.exists()
    response = client.post(url(team.world, "review-cycle-new"), form)
    cycle = ReviewCycle.objects.get()
    assert response.status_code == 302
    assert cycle.competencies.count() == 2
    assert cycle.scale.count() == 3
    client.post(url(team.world, "review-cycle", cycle.pk), {"action": "advance"})
    assert ReviewCycle.objects.get().phase == "self_assessment"
    sign_in(client, team.manager)
    assert client.get(url(team.world, "review-cycle", cycle.pk)).status_code == 403
    assert (
        client.post(url(team.world, "review-cycle", cycle.pk), {"action": "advance"}).status_code
        == 403
    )
    assert ReviewCycle.objects.get().phase == "self_assessment"


def open_manager_review(team, goals=True):
    build_sheet(team)
    if goals:
        services.set_goals_in_reviews(actor=team.world.ceo, enabled=True)
    cycle = team.cycle()
    cycle = services.advance_phase(actor=team.world.ceo, cycle=cycle)
    cycle = services.advance_phase(actor=team.world.ceo, cycle=cycle)
    return Review.objects.get(cycle=cycle)


def test_the_manager_assessment_shows_the_goals_column_when_the_setting_is_on(client, team):
    review = open_manager_review(team, goals=True)
    page = sign_in(client, team.manager).get(url(team.world, "review", review.pk)).text
    assert 'aria-label="Goals"' in page
    assert "Write the handbook" in page
    assert "weight 40" in page
    assert "achieved 20" in page
    assert "Figures as of" in page


def test_without_the_setting_there_is_no_goals_column(client, team):
    review = open_manager_review(team, goals=False)
    page = sign_in(client, team.manager).get(url(team.world, "review", review.pk)).text
    assert 'aria-label="Goals"' not in page
    assert "competencies only" in page


def test_a_started_cycle_keeps_its_goals_setting_after_the_organisation_changes_it(client, team):
    review = open_manager_review(team, goals=True)
    planned = team.cycle(name="Next reviews")
    sign_in(client, team.world.ceo)
    client.post(url(team.world, "settings-goals-in-reviews"), {})  # turned off
    team.world.organisation.refresh_from_db()
    assert team.world.organisation.include_goals_in_reviews is False

    started = client.get(url(team.world, "review-cycle", review.cycle_id)).text
    said = part(started, "p", id="cycle-goals")
    assert "This cycle's reviews include goals" in said
    assert "keeps the setting it started with" in said
    assert "the organisation's has changed since" in said
    waiting = part(
        client.get(url(team.world, "review-cycle", planned.pk)).text, "p", id="cycle-goals"
    )
    assert "do not include goals" in waiting
    assert "follows the organisation's setting until the cycle starts" in waiting
    # The manager's assessment still has its goals column.
    page = sign_in(client, team.manager).get(url(team.world, "review", review.pk)).text
    assert 'aria-label="Goals"' in page
    assert "Write the handbook" in page


def test_rating_and_submitting_from_the_page(client, team):
    review = open_manager_review(team, goals=True)
    assessment = Assessment.objects.get(review=review, kind="manager")
    data = {"assessment": assessment.pk, "overall_comment": "Strong half", "action": "submit"}
    for rating in assessment.competency_ratings.all():
        data[f"c-{rating.competency_id}-rating"] = "4"
    goals = list(assessment.goal_ratings.all())
    for row in goals[:-1]:
        data[f"g-{row.pk}-rating"] = "3"
    sign_in(client, team.manager)
    incomplete = client.post(url(team.world, "review", review.pk), data)
    assert incomplete.status_code == 400
    assert "Rate every competency and every goal" in incomplete.text
    data[f"g-{goals[-1].pk}-rating"] = "5"
    assert client.post(url(team.world, "review", review.pk), data).status_code == 302
    assessment.refresh_from_db()
    assert assessment.submitted_at is not None
    page = client.get(url(team.world, "review", review.pk)).text
    # goals (3 × 40 + 3 × 30 + 5 × 30) / 100 = 3.6; overall 3.6 × 0.5 + 4 × 0.5 = 3.8
    assert 'class="value">3.6</div>' in page  # trailing zeros dropped (core.formatting)
    assert 'class="value">3.8</div>' in page


def test_the_reviewee_does_not_see_the_managers_assessment_before_it_is_shared(client, team):
    review = open_manager_review(team)
    page = sign_in(client, team.report).get(url(team.world, "review", review.pk)).text
    assert "will be visible here once the review is shared" in page
    assert "Manager assessment</h2>" not in page
    sign_in(client, team.outsider)
    assert client.get(url(team.world, "review", review.pk)).status_code == 404


def test_an_assessment_the_page_does_not_show_is_not_found(client, team):
    """The web looks assessments up as the API does (``selectors.get_assessment``): the
    reviewee posting their manager's assessment before it is shared finds nothing (404)."""
    review = open_manager_review(team)
    hidden = Assessment.objects.get(review=review, kind="manager")
    sign_in(client, team.report)
    for action in ("save", "refresh"):
        answer = client.post(
            url(team.world, "review", review.pk), {"assessment": hidden.pk, "action": action}
        )
        assert answer.status_code == 404
    hidden.refresh_from_db()
    assert hidden.submitted_at is None


def test_the_review_page_runs_a_fixed_number_of_queries(client, team):
    review = open_manager_review(team)
    sign_in(client, team.manager)
    with CaptureQueriesContext(connection) as few:
        client.get(url(team.world, "review", review.pk))
    for index in range(12):  # many more goals in the snapshot (the sheet itself is locked now)
        Assessment.objects.get(review=review, kind="manager").goal_ratings.create(
            organisation_id=review.organisation_id,
            title=f"Extra {index}",
            weight=1,
            progress=0.5,
            achieved=0.5,
        )
    with CaptureQueriesContext(connection) as many:
        client.get(url(team.world, "review", review.pk))
    assert len(few.captured_queries) == len(many.captured_queries)
    assert GoalSheet.objects.count() == 1
