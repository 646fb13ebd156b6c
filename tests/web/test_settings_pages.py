"""The organisation's settings: people, teams, periods and status margins, for super users only.

A member who is not a super user gets 403 from every settings URL, GET or POST, and nothing
changes; bad input is shown next to its field and saves nothing; another organisation's ids
are not found; every change leaves its audit event.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cascade.accounts.models import User
from cascade.audit.models import AuditEvent, EventKind
from cascade.core.errors import NotFound
from cascade.orgs import invitations
from cascade.orgs import services as orgs
from cascade.orgs.models import Member, Organisation, Period, Team, TeamMembership
from tests.builders import make_world
from tests.web.helpers import PASSWORD, acme_people, sign_in, url

MODELS = (User, Organisation, Member, Team, TeamMembership, Period, AuditEvent)


def snapshot() -> dict[str, list[dict]]:
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in MODELS}


def new_events(since: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(pk__gt=since).order_by("pk"))


def last_event_id() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def refused(client, path: str, data: dict | None = None) -> str:
    """Posts a form that must be refused: a 400 page (returned), and no row changed."""
    before = snapshot()
    response = client.post(path, data or {})
    assert response.status_code == 400
    assert snapshot() == before
    return response.text


@pytest.fixture
def acme(world):
    """CEO ← Vera VP ← Max ← Olga; Pat reports to the CEO; Sam a second super user.
    Teams: Commercial ⊃ Sales (lead Vera, with Max); a quarter inside a year."""
    acme = acme_people(world)
    acme.year = orgs.create_period(
        actor=world.ceo, name="2027", kind="year", start=date(2027, 1, 1), end=date(2027, 12, 31)
    )
    return acme


def settings_urls(acme) -> dict[str, str]:
    """Every settings URL, with real ids."""
    return {
        "org-settings": url(acme, "org-settings"),
        "settings-margins": url(acme, "settings-margins"),
        "settings-check-in": url(acme, "settings-check-in"),
        "settings-people": url(acme, "settings-people"),
        "settings-invite": url(acme, "settings-invite"),
        "settings-person": url(acme, "settings-person", acme.olga.pk),
        "settings-deactivate": url(acme, "settings-deactivate", acme.olga.pk),
        "settings-reactivate": url(acme, "settings-reactivate", acme.olga.pk),
        "settings-resend": url(acme, "settings-resend", acme.olga.pk),
        "settings-teams": url(acme, "settings-teams"),
        "settings-team": url(acme, "settings-team", acme.sales.pk),
        "settings-team-members": url(acme, "settings-team-members", acme.sales.pk),
        "settings-periods": url(acme, "settings-periods"),
    }


# Valid input for every settings form: what a member's POST would do if it were allowed.
def harmful_posts(acme) -> dict[str, dict]:
    return {
        "org-settings": {},
        "settings-margins": {"at_risk_margin": "1", "off_track_margin": "2"},
        "settings-check-in": {
            "checkin_weekday": "3",
            "checkin_time": "07:00",
            "nudge_after_days": "1",
            "timezone": "Asia/Tokyo",
        },
        "settings-people": {},
        "settings-invite": {"email": "spy@example.com", "full_name": "Spy", "role": "super_user"},
        "settings-person": {"role": "super_user", "title": "Boss"},
        "settings-deactivate": {},
        "settings-reactivate": {},
        "settings-resend": {},
        "settings-teams": {"name": "Rogue"},
        "settings-team": {"name": "Renamed"},
        "settings-team-members": {"members": [acme.pat.pk]},
        "settings-periods": {
            "name": "P",
            "kind": "custom",
            "start": "2027-01-01",
            "end": "2027-01-02",
        },
    }


# --------------------------------------------------------------------------- who may


def test_the_settings_urls_are_all_tested(acme):
    from cascade.web import people_urls

    # Included modules (the data sources' pages) test their own settings URLs.
    names = {
        p.name for p in people_urls.urlpatterns if getattr(p, "name", None) and "settings" in p.name
    }
    assert names == set(settings_urls(acme))


@pytest.mark.parametrize("who", ["pat", "vera", "olga"])
def test_members_get_403_from_every_settings_url_and_nothing_changes(client, acme, who):
    sign_in(client, getattr(acme, who))  # Vera is a manager and a team lead: still a member
    posts = harmful_posts(acme)
    before = snapshot()
    for name, path in settings_urls(acme).items():
        assert client.get(path).status_code == 403, f"GET {name}"
        assert client.post(path, posts[name]).status_code == 403, f"POST {name}"
    assert snapshot() == before


def test_a_deactivated_super_user_is_refused_too(client, acme):
    orgs.deactivate_member(actor=acme.ceo, member=acme.sam)
    assert client.login(username=acme.sam.user.email, password=PASSWORD)
    for path in settings_urls(acme).values():
        assert client.get(path).status_code == 404  # no longer in the organisation at all


def test_signed_out_visitors_are_sent_to_sign_in(client, acme):
    for path in settings_urls(acme).values():
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_members_see_no_settings_link(client, acme):
    sign_in(client, acme.pat)
    page = client.get(url(acme, "people")).text
    assert "/settings/" not in page
    sign_in(client, acme.sam)
    assert url(acme, "org-settings") in client.get(url(acme, "people")).text


@pytest.mark.parametrize(
    "name",
    [
        "org-settings",
        "settings-people",
        "settings-invite",
        "settings-person",
        "settings-deactivate",
        "settings-teams",
        "settings-team",
        "settings-periods",
    ],
)
def test_super_users_open_every_settings_page(client, acme, name):
    sign_in(client, acme.sam)
    assert client.get(settings_urls(acme)[name]).status_code == 200


def test_post_only_urls_refuse_get_from_super_users(client, acme):
    sign_in(client, acme.sam)
    for name in [
        "settings-margins",
        "settings-check-in",
        "settings-reactivate",
        "settings-resend",
        "settings-team-members",
    ]:
        assert client.get(settings_urls(acme)[name]).status_code == 405, name


def test_another_organisations_ids_are_not_found(client, acme):
    other = make_world()
    theirs = other.person("Theo Theirs", manager=other.ceo)
    their_team = orgs.create_team(actor=other.ceo, name="Theirs", members=[theirs])
    sign_in(client, acme.ceo)
    before = snapshot()
    for name, their_id in [
        ("settings-person", theirs.pk),
        ("settings-deactivate", theirs.pk),
        ("settings-reactivate", theirs.pk),
        ("settings-resend", theirs.pk),
        ("settings-team", their_team.pk),
        ("settings-team-members", their_team.pk),
    ]:
        path = url(acme, name, their_id)
        assert client.post(path, {"name": "x", "role": "member"}).status_code == 404, name
        if name in ("settings-person", "settings-deactivate", "settings-team"):
            assert client.get(path).status_code == 404, name
    # Their rows offered as choices in our forms are "not one of the choices".
    response = client.post(
        url(acme, "settings-person", acme.olga.pk),
        {"role": "member", "manager": theirs.pk},
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.text
    response = client.post(url(acme, "settings-teams"), {"name": "Mine", "parent": their_team.pk})
    assert response.status_code == 400
    response = client.post(
        url(acme, "settings-periods"),
        {
            "name": "Q",
            "kind": "quarter",
            "start": "2026-10-01",
            "end": "2026-12-31",
            "parent": other.period.pk,
        },
    )
    assert response.status_code == 400
    assert snapshot() == before
    # And their settings are not ours to open.
    assert client.get(url(other, "org-settings")).status_code == 404


# --------------------------------------------------------------------------- people


def test_the_people_list_shows_everyone_with_status_and_filters(client, acme):
    orgs.deactivate_member(actor=acme.ceo, member=acme.pat)
    invited = invitations.invite_member(
        actor=acme.ceo,
        email="ivy@example.com",
        full_name="Ivy Invited",
        site_url="http://testserver/",
    )
    sign_in(client, acme.sam)
    page = client.get(url(acme, "settings-people")).text
    for name in ["Vera VP", "Olga Operator", "Pat Plain", "Ivy Invited"]:
        assert name in page
    assert "Deactivated" in page
    assert "Invited" in page
    active = client.get(url(acme, "settings-people"), {"status": "active"}).text
    assert "Pat Plain" not in active
    assert invited.member.name in active
    gone = client.get(url(acme, "settings-people"), {"status": "deactivated"}).text
    assert "Pat Plain" in gone
    assert "Vera VP" not in gone
    found = client.get(url(acme, "settings-people"), {"q": "olga"}).text
    assert "Olga Operator" in found
    assert "Vera VP" not in found


def test_change_role_title_and_manager(client, acme):
    sign_in(client, acme.sam)
    since = last_event_id()
    response = client.post(
        url(acme, "settings-person", acme.olga.pk),
        {"role": "super_user", "title": "Head of Ops", "manager": acme.vera.pk},
    )
    assert response.status_code == 302
    olga = fresh(acme.olga)
    assert (olga.role, olga.title, olga.manager_id) == ("super_user", "Head of Ops", acme.vera.pk)
    [event] = new_events(since)
    assert event.kind == EventKind.MEMBER_CHANGED
    assert event.actor_id == acme.sam.pk
    assert event.data["manager"] == [acme.max.pk, acme.vera.pk]


def test_a_reporting_circle_is_refused_next_to_the_manager_field(client, acme):
    sign_in(client, acme.sam)
    page = refused(
        client,
        url(acme, "settings-person", acme.vera.pk),
        {"role": "member", "title": "", "manager": acme.olga.pk},  # Olga reports to Vera
    )
    assert "circle" in page
    assert 'class="field invalid"' in page


def test_you_cannot_demote_yourself(client, acme):
    sign_in(client, acme.sam)
    page = refused(
        client, url(acme, "settings-person", acme.sam.pk), {"role": "member", "title": ""}
    )
    assert "your own super user role" in page


def test_deactivate_shows_what_happens_then_moves_reports_up(client, acme):
    sign_in(client, acme.sam)
    path = url(acme, "settings-deactivate", acme.vera.pk)
    preview = client.get(path).text
    assert "Max Manager" in preview  # her report…
    assert "will report to" in preview
    assert "Sales" in preview  # …and the team she leads
    since = last_event_id()
    assert client.post(path).status_code == 302
    assert not fresh(acme.vera).is_active
    assert fresh(acme.max).manager_id == acme.ceo.pk
    assert fresh(acme.sales).lead_id is None
    [event] = new_events(since)
    assert event.kind == EventKind.MEMBER_DEACTIVATED
    assert event.data == {
        "reports": [acme.max.pk],
        "reports_moved_to": acme.ceo.pk,
        "teams_led": [acme.sales.pk],
    }
    # Her goals and her page stay; she is marked deactivated.
    assert "Deactivated" in client.get(url(acme, "person", acme.vera.pk)).text


def test_you_cannot_deactivate_yourself(client, acme):
    sign_in(client, acme.sam)
    assert "cannot deactivate yourself" in refused(
        client, url(acme, "settings-deactivate", acme.sam.pk)
    )
    page = client.get(url(acme, "settings-person", acme.sam.pk)).text
    assert "Deactivate…" not in page


def test_reactivate(client, acme):
    orgs.deactivate_member(actor=acme.ceo, member=acme.pat)
    sign_in(client, acme.sam)
    since = last_event_id()
    response = client.post(url(acme, "settings-reactivate", acme.pat.pk))
    assert response.status_code == 302
    assert fresh(acme.pat).is_active
    assert fresh(acme.pat).manager_id == acme.ceo.pk
    assert [e.kind for e in new_events(since)] == [EventKind.MEMBER_REACTIVATED]
    sign_in(client, acme.pat)
    assert client.get(url(acme, "people")).status_code == 200
    # Reactivating an active member is refused with a message, nothing written.
    sign_in(client, acme.sam)
    since = last_event_id()
    response = client.post(url(acme, "settings-reactivate", acme.pat.pk), follow=True)
    assert "already active" in response.text
    assert new_events(since) == []


# --------------------------------------------------------------------------- teams


def test_create_a_team_with_parent_lead_and_members(client, acme):
    sign_in(client, acme.sam)
    since = last_event_id()
    response = client.post(
        url(acme, "settings-teams"),
        {
            "name": "Support",
            "parent": acme.commercial.pk,
            "lead": acme.pat.pk,
            "members": [acme.olga.pk],
        },
    )
    assert response.status_code == 302
    team = Team.objects.get(organisation=acme.world.organisation, name="Support")
    assert team.parent_id == acme.commercial.pk
    assert team.lead_id == acme.pat.pk
    assert set(team.members.values_list("pk", flat=True)) == {acme.pat.pk, acme.olga.pk}
    assert [e.kind for e in new_events(since)] == [EventKind.TEAM_CREATED]
    table = client.get(url(acme, "settings-teams")).text.split("<tbody>")[1]
    assert table.index('data-depth="0"><a') < table.index("Commercial") < table.index("Support")
    assert 'data-depth="1"><span aria-hidden="true">↳ </span><a href' in table


@pytest.mark.parametrize(
    ("data", "field_error"),
    [
        ({"name": ""}, "This field is required"),
        ({"name": "Sales"}, "already a team with this name"),
        ({"name": "x" * 121}, "at most 120 characters"),
    ],
)
def test_a_bad_new_team_saves_nothing(client, acme, data, field_error):
    sign_in(client, acme.sam)
    assert field_error in refused(client, url(acme, "settings-teams"), data)


def test_rename_move_and_change_the_lead_of_a_team(client, acme):
    sign_in(client, acme.sam)
    since = last_event_id()
    response = client.post(
        url(acme, "settings-team", acme.sales.pk),
        {"name": "Field Sales", "parent": "", "lead": acme.olga.pk},
    )
    assert response.status_code == 302
    sales = fresh(acme.sales)
    assert (sales.name, sales.parent_id, sales.lead_id) == ("Field Sales", None, acme.olga.pk)
    assert TeamMembership.objects.filter(team=sales, member=acme.olga).exists()  # the lead joined
    [event] = new_events(since)
    assert event.kind == EventKind.TEAM_CHANGED
    assert event.data == {
        "name": ["Sales", "Field Sales"],
        "parent": [acme.commercial.pk, None],
        "lead": [acme.vera.pk, acme.olga.pk],
    }


def test_a_team_cannot_be_moved_under_its_own_sub_team(client, acme):
    sign_in(client, acme.sam)
    path = url(acme, "settings-team", acme.commercial.pk)
    page = refused(client, path, {"name": "Commercial", "parent": acme.sales.pk, "lead": ""})
    assert "would loop" in page
    # Nor under itself: not even one of the choices.
    refused(client, path, {"name": "Commercial", "parent": acme.commercial.pk})


def test_set_the_members_of_a_team(client, acme):
    sign_in(client, acme.sam)
    since = last_event_id()
    path = url(acme, "settings-team-members", acme.sales.pk)
    response = client.post(path, {"members": [acme.vera.pk, acme.olga.pk, acme.pat.pk]})
    assert response.status_code == 302
    members = set(
        TeamMembership.objects.filter(team=acme.sales).values_list("member_id", flat=True)
    )
    assert members == {acme.vera.pk, acme.olga.pk, acme.pat.pk}
    [event] = new_events(since)
    assert event.kind == EventKind.TEAM_MEMBERS_CHANGED
    assert event.data == {"added": sorted([acme.olga.pk, acme.pat.pk]), "removed": [acme.max.pk]}
    # The same list again changes nothing and records nothing.
    since = last_event_id()
    client.post(path, {"members": [acme.vera.pk, acme.olga.pk, acme.pat.pk]})
    assert new_events(since) == []


def test_the_lead_stays_in_the_team(client, acme):
    sign_in(client, acme.sam)
    path = url(acme, "settings-team-members", acme.sales.pk)
    assert "lead stays a member" in refused(client, path, {"members": [acme.max.pk]})


# --------------------------------------------------------------------------- periods


def test_create_a_quarter_inside_a_year(client, acme):
    sign_in(client, acme.sam)
    since = last_event_id()
    response = client.post(
        url(acme, "settings-periods"),
        {
            "name": "Q1 2027",
            "kind": "quarter",
            "start": "2027-01-01",
            "end": "2027-03-31",
            "parent": acme.year.pk,
        },
    )
    assert response.status_code == 302
    quarter = Period.objects.get(organisation=acme.world.organisation, name="Q1 2027")
    assert quarter.parent_id == acme.year.pk
    assert [e.kind for e in new_events(since)] == [EventKind.PERIOD_CREATED]
    table = client.get(url(acme, "settings-periods")).text.split("<tbody>")[1]
    assert table.index('data-depth="0">2027<') < table.index(
        'data-depth="1"><span aria-hidden="true">↳ </span>Q1 2027<'
    )


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (
            {"name": "Q", "kind": "quarter", "start": "2027-03-31", "end": "2027-01-01"},
            "cannot end before it starts",
        ),
        (
            {
                "name": "Q",
                "kind": "quarter",
                "start": "2026-12-01",
                "end": "2027-03-31",
                "parent": "PARENT",
            },
            "must lie within",
        ),
        (
            {"name": "Q4 2026", "kind": "quarter", "start": "2026-10-01", "end": "2026-12-31"},
            "already a period with this name",
        ),
        (
            {"name": "Q", "kind": "quarter", "start": "not a date", "end": "2027-01-01"},
            "Enter a valid date",
        ),
        ({"name": "", "kind": "eon", "start": "", "end": ""}, "This field is required"),
    ],
)
def test_a_bad_period_saves_nothing(client, acme, data, error):
    data = {k: (acme.year.pk if v == "PARENT" else v) for k, v in data.items()}
    sign_in(client, acme.sam)
    assert error in refused(client, url(acme, "settings-periods"), data)


# --------------------------------------------------------------------------- status margins


def test_change_the_status_margins_in_percentage_points(client, acme):
    sign_in(client, acme.sam)
    page = client.get(url(acme, "org-settings")).text
    assert 'value="10.0"' in page
    assert 'value="25.0"' in page
    since = last_event_id()
    response = client.post(
        url(acme, "settings-margins"), {"at_risk_margin": "5", "off_track_margin": "20.5"}
    )
    assert response.status_code == 302
    organisation = fresh(acme.world.organisation)
    assert organisation.at_risk_margin == Decimal("0.050")
    assert organisation.off_track_margin == Decimal("0.205")
    assert [e.kind for e in new_events(since)] == [EventKind.ORGANISATION_SETTINGS_CHANGED]


@pytest.mark.parametrize(
    "data",
    [
        {"at_risk_margin": "30", "off_track_margin": "20"},  # at risk beyond off track
        {"at_risk_margin": "-1", "off_track_margin": "20"},
        {"at_risk_margin": "10", "off_track_margin": "101"},
        {"at_risk_margin": "ten", "off_track_margin": "20"},
        {"at_risk_margin": "", "off_track_margin": ""},
    ],
)
def test_bad_margins_save_nothing(client, acme, data):
    sign_in(client, acme.sam)
    assert 'role="alert"' in refused(client, url(acme, "settings-margins"), data)


# --------------------------------------------------------------------------- weekly check-in


def test_change_the_check_in_day_time_nudge_and_time_zone(client, acme):
    sign_in(client, acme.sam)
    page = client.get(url(acme, "org-settings")).text
    assert "Weekly check-in" in page
    assert 'value="09:00"' in page
    assert '<option value="Europe/Berlin">Europe/Berlin</option>' in page
    since = last_event_id()
    response = client.post(
        url(acme, "settings-check-in"),
        {
            "checkin_weekday": "4",
            "checkin_time": "16:30",
            "nudge_after_days": "0",
            "timezone": "Europe/Berlin",
        },
    )
    assert response.status_code == 302
    organisation = fresh(acme.world.organisation)
    assert (organisation.checkin_weekday, str(organisation.checkin_time)) == (4, "16:30:00")
    assert (organisation.nudge_after_days, organisation.timezone) == (0, "Europe/Berlin")
    assert [e.kind for e in new_events(since)] == [EventKind.ORGANISATION_SETTINGS_CHANGED]
    page = client.get(url(acme, "org-settings")).text
    assert '<option value="Europe/Berlin" selected>' in page


GOOD_CADENCE = {
    "checkin_weekday": "0",
    "checkin_time": "09:00",
    "nudge_after_days": "2",
    "timezone": "UTC",
}


@pytest.mark.parametrize(
    "bad",
    [
        {"timezone": "Mars/Olympus"},
        {"checkin_weekday": "7"},
        {"checkin_time": "25:00"},
        {"checkin_time": ""},
        {"nudge_after_days": "9"},
    ],
)
def test_bad_check_in_settings_save_nothing(client, acme, bad):
    sign_in(client, acme.sam)
    page = refused(client, url(acme, "settings-check-in"), {**GOOD_CADENCE, **bad})
    assert "error" in page


def test_the_check_in_service_refuses_with_codes(acme):
    with pytest.raises(ValidationError) as refusal:
        orgs.change_checkin_cadence(
            actor=acme.sam, checkin_weekday=0, checkin_time="9", nudge_after_days=2, timezone="UTC"
        )
    assert refusal.value.error_dict["checkin_time"][0].code == "time_invalid"
    with pytest.raises(PermissionDenied):
        orgs.change_checkin_cadence(
            actor=acme.olga,
            checkin_weekday=0,
            checkin_time="09:00",
            nudge_after_days=2,
            timezone="UTC",
        )


# --------------------------------------------------------------------------- the services


def test_team_and_people_services_are_for_super_users(acme):
    writes = [
        lambda actor: orgs.change_team(actor=actor, team=acme.sales, name="X"),
        lambda actor: orgs.set_team_members(actor=actor, team=acme.sales, members=[acme.vera]),
        lambda actor: orgs.deactivate_member(actor=actor, member=acme.olga),
        lambda actor: orgs.reactivate_member(actor=actor, member=acme.olga),
        lambda actor: invitations.invite_member(
            actor=actor, email="x@example.com", full_name="X", site_url="http://x/"
        ),
        lambda actor: invitations.resend_invitation(
            actor=actor, member=acme.olga, site_url="http://x/"
        ),
    ]
    before = snapshot()
    for write in writes:
        with pytest.raises(PermissionDenied):
            write(acme.vera)
    assert snapshot() == before


def test_services_refuse_other_organisations_rows(acme):
    other = make_world()
    theirs = other.person("Theo", manager=other.ceo)
    their_team = orgs.create_team(actor=other.ceo, name="Theirs")
    before = snapshot()
    for write in [
        lambda: orgs.change_team(actor=acme.ceo, team=their_team, name="Mine"),
        lambda: orgs.change_team(actor=acme.ceo, team=acme.sales, parent=their_team),
        lambda: orgs.change_team(actor=acme.ceo, team=acme.sales, lead=theirs),
        lambda: orgs.set_team_members(actor=acme.ceo, team=acme.sales, members=[acme.vera, theirs]),
        lambda: orgs.deactivate_member(actor=acme.ceo, member=theirs),
        lambda: invitations.invite_member(
            actor=acme.ceo,
            email="n@example.com",
            full_name="N",
            manager=theirs,
            site_url="http://x/",
        ),
        lambda: invitations.invite_member(
            actor=acme.ceo,
            email="n@example.com",
            full_name="N",
            teams=[their_team],
            site_url="http://x/",
        ),
    ]:
        with pytest.raises(NotFound):
            write()
    assert snapshot() == before


def test_deactivated_people_cannot_lead_or_join_a_team(acme):
    orgs.deactivate_member(actor=acme.ceo, member=acme.pat)
    pat = fresh(acme.pat)
    before = snapshot()
    with pytest.raises(ValidationError) as lead:
        orgs.change_team(actor=acme.ceo, team=acme.sales, lead=pat)
    assert "lead" in lead.value.message_dict
    with pytest.raises(ValidationError) as join:
        orgs.set_team_members(actor=acme.ceo, team=acme.sales, members=[acme.vera, pat])
    assert "members" in join.value.message_dict
    assert snapshot() == before


def test_deactivated_members_keep_their_team_places_for_a_reactivation(acme):
    orgs.deactivate_member(actor=acme.ceo, member=acme.max)  # in Sales
    orgs.set_team_members(actor=acme.ceo, team=acme.sales, members=[acme.vera, acme.olga])
    assert TeamMembership.objects.filter(team=acme.sales, member=acme.max).exists()
    orgs.reactivate_member(actor=acme.ceo, member=acme.max)
    assert TeamMembership.objects.filter(team=acme.sales, member=acme.max).exists()


def test_the_reporting_line_stays_connected_through_leavers(acme):
    orgs.deactivate_member(actor=acme.ceo, member=acme.olga)
    orgs.deactivate_member(actor=acme.ceo, member=acme.max)  # Olga's manager leaves too
    olga = orgs.reactivate_member(actor=acme.ceo, member=acme.olga)
    assert olga.manager_id == acme.vera.pk  # Max's manager took his reports, Olga included
