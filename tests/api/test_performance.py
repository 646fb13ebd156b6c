"""Performance management through the API: the goals setting, goal sheets, review cycles,
reviews and assessments, with hand-checked numbers.

The scene (tests/performance/scene.py): the CEO (a super user) → Mona, a manager → Rob, her
report; Olga, an outsider. Rob's goal sheet (``build_sheet``): 40 on an own measure at 5 of 10,
30 on a key result at 8 of 10, 30 on a goal at 25 %: 20 + 24 + 7.5 = 51.5 of 100.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from cascade.audit.models import AuditEvent, EventKind
from cascade.orgs import services as orgs
from cascade.orgs.models import Organisation
from cascade.performance import services
from cascade.performance.models import Assessment, Review
from tests.api.conftest import Api, api_for
from tests.api.test_query_counts import count_queries
from tests.builders import metric
from tests.performance.scene import COMPETENCIES, SCALE
from tests.performance.test_sheets import build_sheet


def include_goals(team: Any) -> None:
    assert (
        api_for(team.world.ceo).patch("/organisation", {"include_goals_in_reviews": True}).status
        == 200
    )


def new_cycle(team: Any, **fields: Any) -> dict[str, Any]:
    """A review cycle for Rob, created through the API by the CEO."""
    body = {
        "name": "H2 reviews",
        "period": team.world.period.pk,
        "competencies": [{"name": n, "description": d} for n, d in COMPETENCIES],
        "scale": [{"value": v, "label": label} for v, label in SCALE],
        "participation": "people",
        "people": [team.report.pk],
        **fields,
    }
    answer = api_for(team.world.ceo).post("/review-cycles", body)
    assert answer.status == 201, answer.body
    return answer.body


def advance_to(team: Any, cycle: dict[str, Any], phase: str) -> dict[str, Any]:
    ceo = api_for(team.world.ceo)
    while cycle["phase"] != phase:
        answer = ceo.post(f"/review-cycles/{cycle['id']}/advance")
        assert answer.status == 200, answer.body
        cycle = answer.body
    return cycle


def robs_review(client: Api) -> dict[str, Any]:
    listed = client.get("/reviews").body["items"]
    assert len(listed) == 1
    answer = client.get(f"/reviews/{listed[0]['id']}")
    assert answer.status == 200, answer.body
    return answer.body


# --------------------------------------------------------------------------- the setting


def test_members_may_not_switch_goals_in_reviews_nothing_changes(team):
    org = team.world.organisation
    for body in (
        {"include_goals_in_reviews": True},
        {"include_goals_in_reviews": True, "at_risk_margin": 0.05},
    ):
        answer = api_for(team.manager).patch("/organisation", body)
        assert answer.status == 403, answer.body
        assert answer.error["code"] == "permission_denied"
    stored = Organisation.objects.get(pk=org.pk)
    assert stored.include_goals_in_reviews is False
    assert stored.at_risk_margin == org.at_risk_margin
    assert not AuditEvent.objects.filter(kind=EventKind.GOALS_IN_REVIEWS_CHANGED).exists()
    assert api_for(team.manager).get("/organisation").body["include_goals_in_reviews"] is False


def test_a_super_user_switches_goals_in_reviews_and_it_is_audited(team):
    ceo = api_for(team.world.ceo)
    answer = ceo.patch("/organisation", {"include_goals_in_reviews": True})
    assert answer.status == 200, answer.body
    assert answer.body["include_goals_in_reviews"] is True
    assert Organisation.objects.get(pk=team.world.organisation.pk).include_goals_in_reviews
    event = AuditEvent.objects.get(kind=EventKind.GOALS_IN_REVIEWS_CHANGED)
    assert (event.actor, event.data) == (
        team.world.ceo,
        {"include_goals_in_reviews": [False, True]},
    )
    assert event.created_at is not None
    # Only the setting was sent: the margins are not touched (nor audited).
    assert not AuditEvent.objects.filter(kind=EventKind.ORGANISATION_SETTINGS_CHANGED).exists()
    # Off again: a second event; the same value again: nothing to record.
    ceo.patch("/organisation", {"include_goals_in_reviews": False})
    ceo.patch("/organisation", {"include_goals_in_reviews": False})
    assert AuditEvent.objects.filter(kind=EventKind.GOALS_IN_REVIEWS_CHANGED).count() == 2


def test_the_setting_and_the_margins_change_together_or_not_at_all(team):
    ceo = api_for(team.world.ceo)
    answer = ceo.patch(
        "/organisation",
        {"include_goals_in_reviews": True, "at_risk_margin": 0.5, "off_track_margin": 0.2},
    )
    assert answer.status == 400
    assert Organisation.objects.get(pk=team.world.organisation.pk).include_goals_in_reviews is False
    for wrong in ("true", 1, 0, "on"):
        assert ceo.patch("/organisation", {"include_goals_in_reviews": wrong}).status == 400
    both = ceo.patch("/organisation", {"include_goals_in_reviews": True, "at_risk_margin": 0.05})
    assert both.status == 200
    assert (both.body["include_goals_in_reviews"], both.body["at_risk_margin"]) == (True, 0.05)


# --------------------------------------------------------------------------- goal sheets


def test_a_sheet_built_through_the_api_adds_up(team):
    rob, mona = api_for(team.report), api_for(team.manager)
    sheet = rob.get(f"/members/{team.report.pk}/goal-sheet").body
    assert sheet["id"] == team.sheet.pk  # the sheet of the current period
    assert (sheet["owner"]["id"], sheet["period"]["id"]) == (team.report.pk, team.world.period.pk)
    items = f"/goal-sheets/{sheet['id']}/items"
    measure = rob.post(
        items, {"kind": "measure", "title": "Write the handbook", "weight": 40, "target": 10}
    )
    assert measure.status == 201, measure.body
    update = rob.post(
        f"/goal-sheet-items/{measure.body['id']}/updates", {"value": 5, "note": "Half of it"}
    )
    assert update.status == 201, update.body
    assert (update.body["value"], update.body["note"]) == (5, "Half of it")
    kr = rob.post(items, {"kind": "key_result", "key_result": team.kr.pk, "weight": "30"})
    assert kr.status == 201, kr.body
    goal = mona.post(items, {"kind": "goal", "goal": team.linked_goal.pk, "weight": 30})
    assert goal.status == 201, goal.body
    team.world.check_in(team.kr_goal, 8)
    team.world.check_in(team.linked_goal, 25)

    sheet = mona.get(f"/goal-sheets/{sheet['id']}").body
    assert sheet["totals"] == {"total_target": 100, "achieved": 51.5, "percent": 0.515}
    rows = [(i["kind"], i["weight"], i["progress"], i["achieved"]) for i in sheet["items"]]
    assert rows == [
        ("measure", 40, 0.5, 20),  # 40 × 5/10
        ("key_result", 30, 0.8, 24),  # 30 × 8/10
        ("goal", 30, 0.25, 7.5),  # 30 × 25 %
    ]
    assert [i["title"] for i in sheet["items"]] == [
        "Write the handbook",
        team.kr.title,
        "Grow the community",
    ]
    assert (sheet["items"][0]["start"], sheet["items"][0]["target"]) == (0, 10)
    assert (sheet["items"][0]["current"], sheet["items"][1]["key_result"]) == (5, team.kr.pk)
    assert (sheet["locked"], sheet["can_shape"], sheet["can_update"]) == (False, True, False)

    # A linked key result moves the sheet live: 30 × 1.0 instead of 30 × 0.8.
    team.world.check_in(team.kr_goal, 10)
    assert rob.get(f"/goal-sheets/{sheet['id']}").body["totals"]["achieved"] == 57.5

    # Weights are changed by the owner and the manager; values of own measures by the owner.
    reweighed = mona.patch(f"/goal-sheet-items/{goal.body['id']}", {"weight": 50})
    assert reweighed.body["weight"] == 50
    assert rob.get(f"/goal-sheets/{sheet['id']}").body["totals"]["total_target"] == 120
    refused = mona.post(f"/goal-sheet-items/{measure.body['id']}/updates", {"value": 9})
    assert refused.status == 403
    updates = mona.get(f"/goal-sheet-items/{measure.body['id']}/updates").body
    assert [u["value"] for u in updates["items"]] == [5]
    assert rob.delete(f"/goal-sheet-items/{goal.body['id']}").status == 204
    assert len(rob.get(f"/goal-sheets/{sheet['id']}").body["items"]) == 2


def test_comments_and_who_sees_a_sheet(team):
    mona, ceo, olga = api_for(team.manager), api_for(team.world.ceo), api_for(team.outsider)
    comment = mona.post(f"/goal-sheets/{team.sheet.pk}/comments", {"body": "Ambitious, good."})
    assert comment.status == 201, comment.body
    assert comment.body["author"]["id"] == team.manager.pk
    assert ceo.get(f"/goal-sheets/{team.sheet.pk}").body["comments"][0]["body"] == (
        "Ambitious, good."
    )
    # Someone who may not see the sheet: not found, whichever way they ask (and none is made).
    assert olga.get(f"/goal-sheets/{team.sheet.pk}").status == 404
    assert olga.get(f"/members/{team.report.pk}/goal-sheet").status == 404
    assert olga.post(f"/goal-sheets/{team.sheet.pk}/comments", {"body": "Hi"}).status == 404
    # Their own sheet, for another period, is made on first use.
    q1 = orgs.create_period(
        actor=team.world.ceo, name="Q1 2027", start=date(2027, 1, 1), end=date(2027, 3, 31)
    )
    own = olga.get(f"/members/{team.outsider.pk}/goal-sheet", period=q1.pk)
    assert own.status == 200, own.body
    assert (own.body["period"]["id"], own.body["items"], own.body["totals"]["percent"]) == (
        q1.pk,
        [],
        None,
    )


def test_adding_a_key_result_the_caller_cannot_see_is_not_found(team, world):
    private = world.goal(
        "Secret", owner=team.outsider, krs=[{"kind": "milestone"}], visibility="private"
    )
    answer = api_for(team.report).post(
        f"/goal-sheets/{team.sheet.pk}/items",
        {"kind": "key_result", "key_result": world.kr(private).pk, "weight": 10},
    )
    assert answer.status == 404
    assert answer.error["fields"] == {"key_result": "No such key result."}


# --------------------------------------------------------------------------- review cycles


def test_a_super_user_runs_a_cycle_through_its_phases(team):
    cycle = new_cycle(
        team, goals_weight="0.4", competencies_weight=0.6, self_assessment_starts="2026-12-01"
    )
    assert (cycle["phase"], cycle["next_phase"]) == ("planning", "self_assessment")
    assert [c["name"] for c in cycle["competencies"]] == ["Ownership", "Collaboration"]
    assert cycle["scale"][0] == {"value": 1, "label": "Below"}
    assert (cycle["goals_weight"], cycle["competencies_weight"]) == (0.4, 0.6)
    assert cycle["reviews"] == {"count": 1, "self_submitted": 0, "manager_submitted": 0}
    assert cycle["self_assessment_starts"] == "2026-12-01"
    ceo = api_for(team.world.ceo)
    assert ceo.get("/review-cycles").body["count"] == 1
    reviews = ceo.get(f"/review-cycles/{cycle['id']}/reviews").body["items"]
    assert [r["reviewee"]["id"] for r in reviews] == [team.report.pk]
    assert reviews[0]["manager"]["id"] == team.manager.pk

    split = ceo.patch(f"/review-cycles/{cycle['id']}", {"goals_weight": 0.7})
    assert split.status == 400
    assert "add up to 1" in split.error["fields"]["competencies_weight"]
    split = ceo.patch(
        f"/review-cycles/{cycle['id']}", {"goals_weight": 0.3, "competencies_weight": 0.7}
    )
    assert (split.body["goals_weight"], split.body["competencies_weight"]) == (0.3, 0.7)

    closed = advance_to(team, cycle, "closed")
    assert closed["next_phase"] is None
    again = ceo.post(f"/review-cycles/{cycle['id']}/advance")
    assert (again.status, again.error["message"]) == (400, "This review cycle is closed.")
    phases = AuditEvent.objects.filter(kind=EventKind.REVIEW_PHASE_CHANGED).count()
    assert phases == 5


def test_review_cycles_are_for_super_users(team):
    mona = api_for(team.manager)
    cycle = new_cycle(team)
    for method, path, body in (
        ("GET", "/review-cycles", None),
        ("GET", f"/review-cycles/{cycle['id']}", None),
        ("PATCH", f"/review-cycles/{cycle['id']}", {"goals_weight": 0.5}),
        ("POST", f"/review-cycles/{cycle['id']}/advance", None),
        ("GET", f"/review-cycles/{cycle['id']}/reviews", None),
    ):
        answer = mona.get(path) if method == "GET" else mona.send(method, path, body)
        assert answer.status == 403, (method, path, answer.body)
    assert Review.objects.get().cycle.phase == "planning"


def test_cycle_creation_refuses_what_the_services_refuse(team):
    ceo = api_for(team.world.ceo)
    answer = ceo.post(
        "/review-cycles",
        {
            "name": " ",
            "period": team.world.period.pk,
            "competencies": [],
            "scale": [{"value": 1, "label": "Only one"}],
        },
    )
    assert answer.status == 400
    assert {"name"} <= set(answer.error["fields"])
    new_cycle(team)
    dup = ceo.post(
        "/review-cycles",
        {
            "name": "H2 reviews",
            "period": team.world.period.pk,
            "competencies": [{"name": "A"}],
            "scale": [{"value": 1, "label": "a"}, {"value": 2, "label": "b"}],
        },
    )
    assert dup.status == 400
    assert "already" in dup.error["fields"]["name"]
    nobody = ceo.post(
        "/review-cycles",
        {
            "name": "Nobody",
            "period": team.world.period.pk,
            "competencies": [{"name": "A"}],
            "scale": [{"value": 1, "label": "a"}, {"value": 2, "label": "b"}],
            "participation": "people",
            "people": [10**12],
        },
    )
    assert (nobody.status, nobody.error["fields"]) == (404, {"people": "No such member."})


# --------------------------------------------------------------------------- reviews


def test_a_manager_rates_goals_and_competencies_with_the_sheets_weights(team):
    build_sheet(team)
    include_goals(team)
    cycle = advance_to(
        team, new_cycle(team, goals_weight=0.4, competencies_weight=0.6), "manager_assessment"
    )
    mona = api_for(team.manager)
    review = robs_review(mona)
    assert (review["include_goals"], review["cycle"]["phase"]) == (True, "manager_assessment")
    assessment = review["manager_assessment"]
    assert assessment["writable"] is True
    goals = assessment["goals"]
    assert goals["snapshot_at"] is not None
    assert [(g["title"], g["weight"], g["achieved"]) for g in goals["ratings"]] == [
        ("Write the handbook", 40, 20),
        (team.kr.title, 30, 24),
        ("Grow the community", 30, 7.5),
    ]
    assert (goals["total_target"], goals["achieved"], goals["percent"]) == (100, 51.5, 0.515)
    assert assessment["scores"] == {"competencies": None, "goals": None, "overall": None}

    ids = [g["id"] for g in goals["ratings"]]
    competencies = [c["competency"] for c in assessment["competency_ratings"]]
    answer = mona.patch(
        f"/assessments/{assessment['id']}",
        {
            "competency_ratings": [
                {"competency": competencies[0], "rating": 4, "comment": "Owns it"},
                {"competency": competencies[1], "rating": 2},
            ],
            "goal_ratings": [
                {"goal_rating": ids[0], "rating": 5, "comment": "Superb"},
                {"goal_rating": ids[1], "rating": 3},
                {"goal_rating": ids[2], "rating": 2},
            ],
            "overall_comment": "A good half",
        },
    )
    assert answer.status == 200, answer.body
    # Goals weighted by the sheet's weights: (5 × 40 + 3 × 30 + 2 × 30) / 100 = 350 / 100 = 3.5;
    # competencies (4 + 2) / 2 = 3; overall 3.5 × 0.4 + 3 × 0.6 = 1.4 + 1.8 = 3.2.
    scores = answer.body["scores"]
    assert scores["goals"] == pytest.approx(3.5)
    assert scores["competencies"] == pytest.approx(3)
    assert scores["overall"] == pytest.approx(3.2)
    assert answer.body["overall_comment"] == "A good half"
    assert answer.body["goals"]["ratings"][0]["comment"] == "Superb"

    # A rating or comment not sent keeps its value; null clears.
    again = mona.patch(
        f"/assessments/{assessment['id']}",
        {"competency_ratings": [{"competency": competencies[0], "comment": None}]},
    ).body
    first = again["competency_ratings"][0]
    assert (first["rating"], first["comment"]) == (4, "")
    assert again["overall_comment"] == "A good half"

    submitted = mona.post(f"/assessments/{assessment['id']}/submit")
    assert submitted.status == 200, submitted.body
    assert submitted.body["submitted_by"]["id"] == team.manager.pk
    assert submitted.body["writable"] is False
    final = mona.patch(f"/assessments/{assessment['id']}", {"overall_comment": "More"})
    assert final.status == 400
    assert "final" in final.error["message"]
    counts = api_for(team.world.ceo).get(f"/review-cycles/{cycle['id']}").body["reviews"]
    assert counts == {"count": 1, "self_submitted": 0, "manager_submitted": 1}


def test_a_rating_off_the_scale_names_its_place_in_the_request(team):
    cycle = advance_to(team, new_cycle(team), "self_assessment")
    rob = api_for(team.report)
    assessment = robs_review(rob)["self_assessment"]
    competency = assessment["competency_ratings"][1]["competency"]
    answer = rob.patch(
        f"/assessments/{assessment['id']}",
        {"competency_ratings": [{"competency": competency, "rating": 9}]},
    )
    assert answer.status == 400
    assert answer.error["fields"] == {
        "competency_ratings.0.rating": "Choose a rating from the scale (1, 2, 3, 4, 5)."
    }
    unknown = rob.patch(
        f"/assessments/{assessment['id']}",
        {"competency_ratings": [{"competency": 10**12, "rating": 3}]},
    )
    assert unknown.status == 404
    assert set(unknown.error["fields"]) == {"competency_ratings.0.competency"}
    incomplete = rob.post(f"/assessments/{assessment['id']}/submit")
    assert (incomplete.status, incomplete.error["message"]) == (
        400,
        "Rate every competency before submitting.",
    )
    assert cycle["phase"] == "self_assessment"


def test_without_goals_there_is_no_goals_column_and_goals_cannot_be_rated(team):
    build_sheet(team)
    advance_to(team, new_cycle(team), "manager_assessment")
    mona = api_for(team.manager)
    review = robs_review(mona)
    assessment = review["manager_assessment"]
    assert (review["include_goals"], assessment["goals"]) == (False, None)
    goal_id = Assessment.objects.get(pk=assessment["id"]).goal_ratings.first().pk
    refused = mona.patch(
        f"/assessments/{assessment['id']}",
        {"goal_ratings": [{"goal_rating": goal_id, "rating": 3}]},
    )
    assert refused.status == 400
    assert "does not include goals" in refused.error["message"]
    competencies = [c["competency"] for c in assessment["competency_ratings"]]
    rated = mona.patch(
        f"/assessments/{assessment['id']}",
        {"competency_ratings": [{"competency": c, "rating": 4} for c in competencies]},
    )
    assert rated.body["scores"] == {"competencies": 4, "goals": None, "overall": 4}


def test_a_started_cycle_keeps_its_goals_setting_through_the_api(team):
    build_sheet(team)
    ceo = api_for(team.world.ceo)
    cycle = new_cycle(team)
    assert cycle["include_goals"] is False
    include_goals(team)  # still in planning: the cycle follows
    assert ceo.get(f"/review-cycles/{cycle['id']}").body["include_goals"] is True
    advance_to(team, cycle, "manager_assessment")
    assert ceo.patch("/organisation", {"include_goals_in_reviews": False}).status == 200
    assert ceo.get(f"/review-cycles/{cycle['id']}").body["include_goals"] is True
    review = robs_review(api_for(team.manager))
    assert review["include_goals"] is True
    assert review["manager_assessment"]["goals"] is not None


def test_the_snapshot_stands_until_it_is_refreshed(team):
    build_sheet(team)
    include_goals(team)
    advance_to(team, new_cycle(team), "manager_assessment")
    mona = api_for(team.manager)
    assessment = robs_review(mona)["manager_assessment"]
    taken = assessment["goals"]["snapshot_at"]
    kr_row = assessment["goals"]["ratings"][1]
    mona.patch(
        f"/assessments/{assessment['id']}",
        {"goal_ratings": [{"goal_rating": kr_row["id"], "rating": 4, "comment": "Solid"}]},
    )
    team.world.check_in(team.kr_goal, 10)  # live: 30 × 0.8 = 24 → 30 × 1.0 = 30
    assert api_for(team.report).get(f"/goal-sheets/{team.sheet.pk}").body["totals"][
        "achieved"
    ] == pytest.approx(57.5)
    unchanged = robs_review(mona)["manager_assessment"]["goals"]
    assert (unchanged["ratings"][1]["achieved"], unchanged["achieved"]) == (24, 51.5)
    assert unchanged["snapshot_at"] == taken

    refreshed = mona.post(f"/assessments/{assessment['id']}/refresh-goals")
    assert refreshed.status == 200, refreshed.body
    goals = refreshed.body["goals"]
    assert (goals["ratings"][1]["achieved"], goals["achieved"]) == (30, 57.5)
    assert (goals["ratings"][1]["rating"], goals["ratings"][1]["comment"]) == (4, "Solid")
    assert goals["snapshot_at"] > taken
    event = AuditEvent.objects.get(kind=EventKind.GOALS_SNAPSHOT_REFRESHED)
    assert event.actor == team.manager
    # Only the assessment's writer refreshes it.
    assert (
        api_for(team.world.ceo).post(f"/assessments/{assessment['id']}/refresh-goals").status == 403
    )


def test_actions_outside_their_phase_are_refused_with_a_clear_message(team):
    build_sheet(team)
    ceo, rob, mona = api_for(team.world.ceo), api_for(team.report), api_for(team.manager)
    cycle = advance_to(team, new_cycle(team), "self_assessment")
    # The sheet's weights lock once a cycle of its period leaves planning.
    sheet = rob.get(f"/goal-sheets/{team.sheet.pk}").body
    assert (sheet["locked"], sheet["can_shape"]) == (True, False)
    locked = rob.post(
        f"/goal-sheets/{team.sheet.pk}/items", {"kind": "measure", "title": "Late", "target": 3}
    )
    assert locked.status == 400
    assert "locked" in locked.error["message"]
    item = sheet["items"][0]["id"]
    assert "locked" in rob.patch(f"/goal-sheet-items/{item}", {"weight": 1}).error["message"]
    assert rob.delete(f"/goal-sheet-items/{item}").status == 400
    # Values keep moving: the reviews work from their snapshot.
    assert rob.post(f"/goal-sheet-items/{item}/updates", {"value": 7}).status == 201

    self_id = robs_review(rob)["self_assessment"]["id"]
    cycle = advance_to(team, cycle, "manager_assessment")
    late = rob.patch(f"/assessments/{self_id}", {"overall_comment": "Too late"})
    assert late.status == 400
    assert late.error["message"] == (
        "The self assessment can be written during the “Self assessment” phase; "
        "this cycle is in “Manager assessment”."
    )
    assert rob.post(f"/assessments/{self_id}/refresh-goals").status == 400
    manager_id = robs_review(mona)["manager_assessment"]["id"]
    cycle = advance_to(team, cycle, "calibration")
    calibrating = mona.patch(f"/assessments/{manager_id}", {"overall_comment": "Late"})
    assert calibrating.status == 400
    assert "this cycle is in “Calibration”" in calibrating.error["message"]
    advance_to(team, cycle, "shared")
    split = ceo.patch(
        f"/review-cycles/{cycle['id']}", {"goals_weight": 0.2, "competencies_weight": 0.8}
    )
    assert split.status == 400
    assert "shared already" in split.error["message"]
    not_submitted = ceo.post(f"/assessments/{manager_id}/reopen")
    assert (not_submitted.status, not_submitted.error["message"]) == (
        400,
        "This assessment has not been submitted.",
    )


def test_the_reviewee_sees_the_managers_assessment_only_once_shared(team):
    cycle = advance_to(team, new_cycle(team), "self_assessment")
    rob, mona = api_for(team.report), api_for(team.manager)
    own = robs_review(rob)["self_assessment"]
    rob.patch(f"/assessments/{own['id']}", {"overall_comment": "My draft"})
    # A draft self assessment is the reviewee's own.
    assert robs_review(mona)["self_assessment"] is None
    assert mona.patch(f"/assessments/{own['id']}", {"overall_comment": "x"}).status == 404
    assert rob.get("/reviews").body["items"][0]["self_assessment"]["id"] == own["id"]
    assert mona.get("/reviews").body["items"][0]["self_assessment"] is None

    cycle = advance_to(team, cycle, "manager_assessment")
    assessment = robs_review(mona)["manager_assessment"]
    competencies = [c["competency"] for c in assessment["competency_ratings"]]
    mona.patch(
        f"/assessments/{assessment['id']}",
        {
            "competency_ratings": [{"competency": c, "rating": 3} for c in competencies],
            "overall_comment": "Solid half",
        },
    )
    assert mona.post(f"/assessments/{assessment['id']}/submit").status == 200
    for phase in ("manager_assessment", "calibration"):
        cycle = advance_to(team, cycle, phase)
        mine = robs_review(rob)
        assert (mine["manager_assessment"], mine["manager_assessment_hidden"]) == (None, True)
        assert rob.get("/reviews").body["items"][0]["manager_assessment"] is None
        hidden = rob.patch(f"/assessments/{assessment['id']}", {"overall_comment": "Mine"})
        assert hidden.status == 404  # it does not exist for him yet
    advance_to(team, cycle, "shared")
    shared = robs_review(rob)
    assert shared["manager_assessment_hidden"] is False
    assert shared["manager_assessment"]["overall_comment"] == "Solid half"
    assert shared["manager_assessment"]["scores"]["overall"] == 3
    assert shared["manager_assessment"]["writable"] is False
    assert rob.get("/reviews").body["items"][0]["manager_assessment"]["id"] == assessment["id"]
    # Now he sees it, but it is not his to write.
    assert rob.patch(f"/assessments/{assessment['id']}", {"overall_comment": "x"}).status == 403
    # Someone outside the review does not see it at all.
    assert api_for(team.outsider).get(f"/reviews/{shared['id']}").status == 404


def test_a_super_user_reopens_a_submitted_assessment_and_it_is_audited(team):
    advance_to(team, new_cycle(team), "self_assessment")
    rob, ceo = api_for(team.report), api_for(team.world.ceo)
    own = robs_review(rob)["self_assessment"]
    competencies = [c["competency"] for c in own["competency_ratings"]]
    rob.patch(
        f"/assessments/{own['id']}",
        {"competency_ratings": [{"competency": c, "rating": 5} for c in competencies]},
    )
    assert rob.post(f"/assessments/{own['id']}/submit").status == 200
    assert api_for(team.manager).post(f"/assessments/{own['id']}/reopen").status == 403
    reopened = ceo.post(f"/assessments/{own['id']}/reopen")
    assert reopened.status == 200, reopened.body
    # A draft again, which is the reviewee's own: the answer shows it, read-only, this once.
    assert (reopened.body["submitted_at"], reopened.body["writable"]) == (None, False)
    assert [r["rating"] for r in reopened.body["competency_ratings"]] == [5, 5]
    event = AuditEvent.objects.get(kind=EventKind.ASSESSMENT_REOPENED)
    assert event.actor == team.world.ceo
    assert ceo.get(f"/reviews/{reopened.body['review']}").body["self_assessment"] is None
    assert rob.patch(f"/assessments/{own['id']}", {"overall_comment": "Again"}).status == 200


# --------------------------------------------------------------------------- query counts


def performance_scene(team: Any, size: int, period: Any) -> dict[str, str]:
    """Rob's sheet for the period with ``size`` items of each kind, updates and comments, and a
    cycle in its manager assessment phase with ``size`` competencies, reviewing Mona, Rob and
    ``size - 1`` more of Mona's reports; ``size`` cycles in all. The paths to measure."""
    world, rob = team.world, team.report
    sheet = services.sheet_for(owner=rob, period=period)
    first = None
    for n in range(size):
        kr_goal = world.goal(
            f"Goal {period.name} {n}", owner=rob, krs=[metric(0, 10)], period=period
        )
        item = services.add_sheet_item(
            actor=rob, sheet=sheet, kind="measure", title=f"Measure {n}", weight=10, target=10
        )
        first = first or item
        services.update_sheet_item(actor=rob, item=first, value=n, note=f"Update {n}")
        services.add_sheet_item(
            actor=rob, sheet=sheet, kind="key_result", key_result=world.kr(kr_goal), weight=5
        )
        services.add_sheet_item(actor=rob, sheet=sheet, kind="goal", goal=kr_goal, weight=5)
        world.check_in(kr_goal, n)
        services.comment_on_sheet(actor=team.manager, sheet=sheet, body=f"Comment {n}")
    people = [rob, team.manager] + [
        world.person(f"Report {period.name} {n}", manager=team.manager) for n in range(size - 1)
    ]
    for n in range(size - 1):
        services.create_review_cycle(
            actor=world.ceo,
            name=f"Planning {period.name} {n}",
            period=period,
            competencies=COMPETENCIES,
            scale=SCALE,
            participation="people",
            people=people,
        )
    cycle = services.create_review_cycle(
        actor=world.ceo,
        name=f"Reviews {period.name}",
        period=period,
        competencies=[(f"Competency {n}", "") for n in range(size)],
        scale=SCALE,
        participation="people",
        people=people,
    )
    for _ in range(2):
        cycle = services.advance_phase(actor=world.ceo, cycle=cycle)
    review = Review.objects.get(cycle=cycle, reviewee=rob)
    return {
        "sheet": f"/goal-sheets/{sheet.pk}",
        "member's sheet": f"/members/{rob.pk}/goal-sheet?period={period.pk}",
        "updates": f"/goal-sheet-items/{first.pk}/updates",
        "reviews": "/reviews",
        "review": f"/reviews/{review.pk}",
        "review cycles": "/review-cycles",
        "review cycle": f"/review-cycles/{cycle.pk}",
        "cycle's reviews": f"/review-cycles/{cycle.pk}/reviews",
    }


@pytest.mark.parametrize("who", ["manager", "ceo"])
def test_query_counts_do_not_grow_with_the_data(team, who):
    include_goals(team)
    caller = team.manager if who == "manager" else team.world.ceo
    client = api_for(caller)
    q1 = orgs.create_period(
        actor=team.world.ceo, name="Q1 2027", start=date(2027, 1, 1), end=date(2027, 3, 31)
    )
    small_paths = performance_scene(team, 1, team.world.period)
    large_paths = performance_scene(team, 12, q1)
    if who == "manager":  # review cycles are for super users
        for paths in (small_paths, large_paths):
            for name in ("review cycles", "review cycle", "cycle's reviews"):
                del paths[name]
    small = {name: count_queries(client, path) for name, path in small_paths.items()}
    large = {name: count_queries(client, path) for name, path in large_paths.items()}
    assert large == small
    assert max(small.values()) <= 12
    # And the pages did grow.
    assert client.get(large_paths["sheet"]).body["totals"]["total_target"] == 12 * 20
    assert (
        len(client.get(large_paths["review"]).body["manager_assessment"]["goals"]["ratings"]) == 36
    )
    # Mona reviews Rob and her 11 other reports in 12 large cycles and is reviewed in each, on
    # top of the small cycle's two reviews; the CEO reviews Mona in all 13 cycles.
    assert client.get("/reviews").body["count"] == (158 if who == "manager" else 13)
