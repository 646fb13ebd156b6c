"""The organisation's settings, members, teams and periods through the API."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.core import mail

from cascade.audit.models import AuditEvent, EventKind
from cascade.core import clock
from cascade.orgs.models import Member, Organisation, Team
from tests.api.conftest import api_for
from tests.builders import make_world


def test_organisation_settings(org):
    answer = api_for(org.olga).get("/organisation")
    assert answer.body == {
        "id": org.world.organisation.pk,
        "name": org.world.organisation.name,
        "slug": org.world.organisation.slug,
        "timezone": "UTC",
        "at_risk_margin": 0.1,
        "off_track_margin": 0.25,
        "include_goals_in_reviews": False,
        "checkin_weekday": 0,
        "checkin_time": "09:00",
        "nudge_after_days": 2,
    }


def test_super_users_change_the_margins_and_only_the_margins(org):
    client = api_for(org.ceo)
    answer = client.patch("/organisation", {"off_track_margin": "0.3"})
    assert answer.status == 200
    assert (answer.body["at_risk_margin"], answer.body["off_track_margin"]) == (0.1, 0.3)
    stored = Organisation.objects.get(pk=org.world.organisation.pk)
    assert stored.off_track_margin == Decimal("0.3")
    assert AuditEvent.objects.filter(kind=EventKind.ORGANISATION_SETTINGS_CHANGED).exists()

    renamed = client.patch("/organisation", {"name": "Evil Corp"})
    assert renamed.status == 400
    assert "name" in renamed.error["fields"]
    assert client.patch("/organisation", {"at_risk_margin": 1.5}).status == 400


def test_super_users_set_the_check_in_cadence_and_its_time_zone(org):
    client = api_for(org.ceo)
    answer = client.patch(
        "/organisation",
        {"timezone": "Europe/Berlin", "checkin_weekday": 4, "checkin_time": "16:30"},
    )
    assert answer.status == 200
    assert answer.body["timezone"] == "Europe/Berlin"
    assert (answer.body["checkin_weekday"], answer.body["checkin_time"]) == (4, "16:30")
    assert answer.body["nudge_after_days"] == 2  # not sent, kept
    assert answer.body["at_risk_margin"] == 0.1
    stored = Organisation.objects.get(pk=org.world.organisation.pk)
    assert (stored.checkin_weekday, str(stored.checkin_time)) == (4, "16:30:00")
    assert client.patch("/organisation", {"nudge_after_days": 0}).body["nudge_after_days"] == 0

    for bad, field, code in [
        ({"timezone": "Mars/Olympus"}, "timezone", "timezone_unknown"),
        ({"checkin_weekday": 7}, "checkin_weekday", "weekday_invalid"),
        ({"checkin_time": "25:00"}, "checkin_time", "time_invalid"),
        ({"checkin_time": "nine"}, "checkin_time", "time_invalid"),
        ({"nudge_after_days": 7}, "nudge_after_days", "nudge_after_days_invalid"),
        ({"nudge_after_days": -1}, "nudge_after_days", "nudge_after_days_invalid"),
    ]:
        refused = client.patch("/organisation", bad)
        assert refused.status == 400, bad
        assert refused.error["field_codes"] == {field: code}, refused.error
    assert api_for(org.olga).patch("/organisation", {"checkin_weekday": 1}).status == 403
    stored.refresh_from_db()
    assert (stored.checkin_weekday, stored.nudge_after_days) == (4, 0)


def test_margins_change_the_status_of_goals(org):
    client = api_for(org.ceo)
    # Three weeks after the goal was made, nothing done: off track, unless the margins say not.
    with clock.frozen_at(clock.now() + timedelta(days=21)):
        before = client.get(f"/goals/{org.company.pk}").body
        client.patch("/organisation", {"at_risk_margin": 1, "off_track_margin": 1})
        after = client.get(f"/goals/{org.company.pk}").body
    assert before["status"] == "off_track"
    assert after["status"] == "on_track"


def test_members_list_and_search(org):
    client = api_for(org.olga)
    everyone = client.get("/members").body
    assert everyone["count"] == 4
    assert [m["name"] for m in everyone["items"]] == sorted(m["name"] for m in everyone["items"])
    vera = next(m for m in everyone["items"] if m["id"] == org.vera.pk)
    assert vera["manager"] == {"id": org.ceo.pk, "name": org.ceo.user.full_name}
    assert (vera["role"], vera["is_active"]) == ("member", True)
    assert [m["id"] for m in client.get("/members", q="vera").body["items"]] == [org.vera.pk]
    assert client.get("/members", q=org.rob.user.email).body["count"] == 1
    assert client.get("/members", active="false").body["count"] == 0


def test_super_users_invite_people(org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        answer = api_for(org.ceo).post(
            "/members",
            {
                "email": "Nina@Example.com",
                "full_name": "Nina New",
                "role": "member",
                "title": "Analyst",
                "manager": org.vera.pk,
            },
        )
    assert answer.status == 201, answer.body
    nina = answer.body
    assert (nina["email"], nina["name"], nina["title"]) == (
        "nina@example.com",
        "Nina New",
        "Analyst",
    )
    assert nina["manager"]["id"] == org.vera.pk
    member = Member.objects.get(pk=nina["id"])
    assert not member.user.has_usable_password()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["nina@example.com"]
    again = api_for(org.ceo).post("/members", {"email": "nina@example.com"})
    assert again.status == 400
    assert "email" in again.error["fields"]


def test_someone_from_another_organisation_keeps_their_account(org):
    other = org.other.ceo
    answer = api_for(org.ceo).post("/members", {"email": other.user.email, "full_name": "Bo"})
    assert answer.status == 201
    assert (answer.body["name"], answer.body["joined"]) == ("Bo", False)
    other.user.refresh_from_db()
    assert other.user.full_name != "Bo"
    assert other.user.check_password("pw-for-tests-only")


def test_change_role_title_and_manager(org):
    client = api_for(org.ceo)
    answer = client.patch(
        f"/members/{org.olga.pk}", {"role": "super_user", "title": "COO", "manager": org.ceo.pk}
    )
    assert answer.status == 200
    assert (answer.body["role"], answer.body["title"]) == ("super_user", "COO")
    assert answer.body["manager"]["id"] == org.ceo.pk
    assert client.patch(f"/members/{org.olga.pk}", {"manager": None}).body["manager"] is None
    loop = client.patch(f"/members/{org.vera.pk}", {"manager": org.rob.pk})
    assert loop.status == 400
    assert "manager" in loop.error["fields"]


def test_deactivate_and_reactivate(org):
    client = api_for(org.ceo)
    olga = api_for(org.olga)
    off = client.patch(f"/members/{org.olga.pk}", {"is_active": False})
    assert off.status == 200
    assert off.body["is_active"] is False
    assert olga.get("/goals").status == 401
    assert client.get("/members", active="false").body["count"] == 1
    on = client.patch(f"/members/{org.olga.pk}", {"is_active": True})
    assert on.body["is_active"] is True
    assert olga.get("/goals").status == 401  # her old token stays revoked
    assert api_for(org.olga).get("/goals").status == 200
    assert client.patch(f"/members/{org.ceo.pk}", {"is_active": False}).status == 400


def test_a_refused_change_changes_nothing(org):
    """Title and deactivation in one request: the second part is refused, so neither happens."""
    answer = api_for(org.ceo).patch(
        f"/members/{org.ceo.pk}", {"title": "Chief Everything", "is_active": False}
    )
    assert answer.status == 400
    assert Member.objects.get(pk=org.ceo.pk).title == ""


def test_teams(org):
    client = api_for(org.ceo)
    parent = client.post("/teams", {"name": "Commercial", "lead": org.vera.pk}).body
    answer = client.post(
        "/teams",
        {"name": "Sales", "parent": parent["id"], "lead": org.vera.pk, "members": [org.rob.pk]},
    )
    assert answer.status == 201
    team = answer.body
    assert team["parent"] == parent["id"]
    assert team["lead"]["id"] == org.vera.pk
    assert {m["id"] for m in team["members"]} == {org.vera.pk, org.rob.pk}
    assert client.post("/teams", {"name": "Sales"}).status == 400  # names are unique

    listed = api_for(org.olga).get("/teams").body
    assert [t["name"] for t in listed["items"]] == ["Commercial", "Sales"]
    Team.objects.create(organisation=org.other.organisation, name="Theirs")
    assert api_for(org.olga).get("/teams").body["count"] == 2


def test_periods(org):
    client = api_for(org.ceo)
    year = client.post(
        "/periods", {"name": "2027", "kind": "year", "start": "2027-01-01", "end": "2027-12-31"}
    ).body
    quarter = client.post(
        "/periods",
        {"name": "Q1 2027", "start": "2027-01-01", "end": "2027-03-31", "parent": year["id"]},
    )
    assert quarter.status == 201
    assert quarter.body["parent"] == year["id"]
    outside = client.post(
        "/periods",
        {"name": "Q1 2028", "start": "2028-01-01", "end": "2028-03-31", "parent": year["id"]},
    )
    assert outside.status == 400
    assert "parent" in outside.error["fields"]
    for bad in ["2027-02-30", "01/01/2027", "1735689600", ""]:
        answer = client.post("/periods", {"name": "X", "start": bad, "end": "2027-03-31"})
        assert answer.status == 400, bad
    names = [p["name"] for p in api_for(org.olga).get("/periods").body["items"]]
    assert names == ["Q4 2026", "2027", "Q1 2027"]


def test_a_member_of_two_organisations_sees_each_through_its_token(org):
    elsewhere = make_world()
    from cascade.orgs import services as orgs

    theirs = orgs.add_member(actor=elsewhere.ceo, user=org.olga.user)
    here = {m["id"] for m in api_for(org.olga).get("/members").body["items"]}
    there = {m["id"] for m in api_for(theirs).get("/members").body["items"]}
    assert org.olga.pk in here
    assert theirs.pk in there
    assert not here & there
