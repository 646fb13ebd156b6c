"""People and teams: the org chart, a person's page and a team's page.

Every member sees them; goals appear only for those who may see them; anything of another
organisation is not found; and each page runs the same number of queries for 20 or 500 people.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.contrib.auth.hashers import make_password
from django.urls import reverse

from cascade.accounts.models import User
from cascade.core import clock
from cascade.goals.models import Goal, State
from cascade.orgs import services as orgs
from cascade.orgs.models import Member, TeamMembership
from tests.builders import make_world, metric
from tests.web.helpers import PASSWORD, acme_people, queries, sign_in, url


@pytest.fixture
def acme(world):
    """CEO ← Vera VP ← Max Manager ← Olga; Pat reports to the CEO; Sam is a second super user.
    Team "Sales" (lead Vera, with Max and Olga) inside "Commercial"."""
    return acme_people(world, in_sales=("max", "olga"))


# --------------------------------------------------------------------------- status codes


def test_signed_out_visitors_are_sent_to_sign_in(client, acme):
    for path in [
        url(acme.world, "people"),
        url(acme.world, "person", acme.olga.pk),
        url(acme.world, "team", acme.sales.pk),
    ]:
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("who", ["ceo", "pat"])
def test_every_member_opens_every_people_page(client, acme, who):
    sign_in(client, getattr(acme, who))
    w = acme.world
    pages = [
        url(w, "people"),
        url(w, "people", expand="all"),
        url(w, "people", focus=acme.max.pk),
        url(w, "people", q="olga"),
        url(w, "person", acme.olga.pk),
        url(w, "person", acme.ceo.pk),
        url(w, "person", acme.vera.pk, period=w.period.pk),
        url(w, "team", acme.sales.pk),
        url(w, "team", acme.commercial.pk, period=w.period.pk),
    ]
    for path in pages:
        assert client.get(path).status_code == 200, path


def test_unknown_ids_are_not_found(client, acme):
    sign_in(client, acme.pat)
    w = acme.world
    for path in [
        url(w, "person", 999999),
        url(w, "team", 999999),
        url(w, "people", focus="999999"),
        url(w, "people", focus="abc"),
        url(w, "person", acme.olga.pk, period="999999"),
        url(w, "person", acme.olga.pk, period="x"),
    ]:
        assert client.get(path).status_code == 404, path


def test_another_organisations_people_teams_and_periods_are_not_found(client, acme):
    other = make_world()
    theirs = other.person("Theo Theirs", manager=other.ceo)
    their_team = orgs.create_team(actor=other.ceo, name="Theirs", members=[theirs])
    sign_in(client, acme.ceo)  # a super user, even
    w = acme.world
    for path in [
        url(w, "person", theirs.pk),
        url(w, "person", other.ceo.pk),
        url(w, "team", their_team.pk),
        url(w, "people", focus=theirs.pk),
        url(w, "person", acme.olga.pk, period=other.period.pk),
        url(w, "team", acme.sales.pk, period=other.period.pk),
    ]:
        assert client.get(path).status_code == 404, path
    # …and their organisation's own pages are not found for us.
    assert client.get(url(other, "people")).status_code == 404
    assert client.get(url(other, "person", theirs.pk)).status_code == 404


def test_a_deactivated_member_cannot_open_the_organisation(client, acme):
    orgs.deactivate_member(actor=acme.ceo, member=acme.pat)
    assert client.login(username=acme.pat.user.email, password=PASSWORD)  # still a user…
    assert client.get(url(acme.world, "people")).status_code == 404  # …but not in Acme
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert acme.world.organisation.name not in home.text


# --------------------------------------------------------------------------- the org chart


def test_the_org_chart_runs_from_the_ceo_down(client, acme):
    sign_in(client, acme.pat)
    page = client.get(url(acme.world, "people")).text
    chart = page[page.index('class="tree org-chart"') :]
    names = [acme.ceo.name, "Vera VP", "Max Manager", "Olga Operator"]
    positions = [chart.index(name) for name in names]
    assert positions == sorted(positions)
    assert chart.index("Pat Plain") > chart.index(acme.ceo.name)
    # Everyone has one node, with a link to their page.
    for member in [acme.ceo, acme.vera, acme.max, acme.olga, acme.pat, acme.sam]:
        assert chart.count(f'href="{url(acme.world, "person", member.pk)}"') == 1
    assert "2 direct · 4 in all" in chart
    # Sam has no manager: a tree of their own, after the CEO's bigger one.
    assert chart.index("Sam Super") > chart.index("Olga Operator")


def test_the_org_chart_nests_lists_correctly(client, acme):
    sign_in(client, acme.pat)
    page = client.get(url(acme.world, "people", expand="all")).text
    chart = page[
        page.index('<ul class="tree org-chart"') : page.index('aria-labelledby="teams-heading"')
    ]
    assert chart.count("<ul") == chart.count("</ul>")
    assert chart.count("<li") == chart.count("</li>")
    assert chart.count("<details") == chart.count("</details>")
    assert chart.count("<details open") == 3  # CEO, Vera, Max: everyone with reports, all open


def test_the_org_chart_starts_from_a_person_with_their_reporting_line(client, acme):
    sign_in(client, acme.pat)
    page = client.get(url(acme.world, "people", focus=acme.max.pk)).text
    line = page[page.index('aria-label="Reporting line"') :]
    line = line[: line.index("</nav>")]
    assert line.index(acme.ceo.name) < line.index("Vera VP") < line.index("Max Manager")
    chart = page[page.index('class="tree org-chart"') :]
    assert "Olga Operator" in chart
    assert "Pat Plain" not in chart


def test_leavers_are_not_in_the_chart_and_their_reports_move_up(client, acme):
    orgs.deactivate_member(actor=acme.ceo, member=acme.max)
    sign_in(client, acme.pat)
    page = client.get(url(acme.world, "people", focus=acme.vera.pk)).text
    assert "Max Manager" not in page
    assert "Olga Operator" in page


def test_searching_people_by_name_title_or_email(client, acme):
    orgs.change_member(actor=acme.ceo, member=acme.olga, title="Operations analyst")
    sign_in(client, acme.pat)
    for query in ["olga", "analyst", acme.olga.user.email.split("@")[0], "OLGA op"]:
        page = client.get(url(acme.world, "people"), {"q": query}).text
        results = page[page.index('id="people-heading"') : page.index('id="teams-heading"')]
        assert "1 person match" in results, query
        assert "Olga Operator" in results
        assert "Vera VP" not in results
    page = client.get(url(acme.world, "people"), {"q": "nobody-like-this"}).text
    assert "Nobody matches" in page


def test_the_people_page_lists_the_team_tree(client, acme):
    sign_in(client, acme.pat)
    page = client.get(url(acme.world, "people")).text
    teams = page[page.index('id="teams-heading"') :]
    assert teams.index("Commercial") < teams.index("Sales")
    assert "3 members · led by Vera VP" in teams


# --------------------------------------------------------------------------- a person


def test_a_persons_page_shows_manager_reports_teams_and_goals(client, acme):
    w = acme.world
    w.goal("Win the north", owner=acme.vera, krs=[metric(0, 10)])
    w.goal("Someone else's goal", owner=acme.pat, krs=[metric(0, 10)])
    sign_in(client, acme.pat)
    page = client.get(url(w, "person", acme.vera.pk)).text
    reports_to = page[page.index('id="manager-heading"') : page.index('id="reports-heading"')]
    assert acme.ceo.name in reports_to
    reports = page[page.index('id="reports-heading"') : page.index('id="teams-heading"')]
    assert "Max Manager" in reports
    assert "1 report" in reports  # Max has Olga
    teams = page[page.index('id="teams-heading"') :]
    assert "Sales" in teams
    assert "Lead" in teams
    assert "3 members" in teams  # Vera, Max and Olga: every member counted, not just Vera
    assert "Win the north" in page
    assert "Someone else&#x27;s goal" not in page
    assert "On track" in page or "At risk" in page or "Off track" in page or "No data" in page


def test_private_goals_are_hidden_on_a_persons_page(client, acme):
    w = acme.world
    w.goal("Secret plan", owner=acme.vera, krs=[metric(0, 1)], visibility="private")
    w.goal("Open plan", owner=acme.vera, krs=[metric(0, 1)])
    path = url(w, "person", acme.vera.pk)
    sign_in(client, acme.pat)  # not her manager, not in her team, not a super user
    page = client.get(path).text
    assert "Open plan" in page
    assert "Secret plan" not in page
    for allowed in [acme.vera, acme.ceo, acme.sam]:  # owner, her manager, a super user
        sign_in(client, allowed)
        assert "Secret plan" in client.get(path).text


def test_a_persons_page_shows_the_chosen_period_and_hides_archived_goals(client, acme):
    w = acme.world
    q1 = orgs.create_period(
        actor=acme.ceo,
        name="Q1 2027",
        start=w.period.end.replace(year=2027, month=1, day=1),
        end=w.period.end.replace(year=2027, month=3, day=31),
    )
    w.goal("This quarter", owner=acme.vera, krs=[metric(0, 1)])
    w.goal("Next quarter", owner=acme.vera, krs=[metric(0, 1)], period=q1)
    archived = w.goal("Gone", owner=acme.vera, krs=[metric(0, 1)])
    Goal.objects.filter(pk=archived.pk).update(state=State.ARCHIVED)
    sign_in(client, acme.pat)
    now = client.get(url(w, "person", acme.vera.pk), {"period": w.period.pk}).text
    assert "This quarter" in now
    assert "Next quarter" not in now
    assert "Gone" not in now
    later = client.get(url(w, "person", acme.vera.pk), {"period": q1.pk}).text
    assert "Next quarter" in later
    assert "This quarter" not in later


# --------------------------------------------------------------------------- a team


def test_a_teams_page_shows_lead_members_sub_teams_and_goals(client, acme):
    w = acme.world
    w.goal("Sales goal", owner=acme.max, team=acme.sales, krs=[metric(0, 10)])
    w.goal("Not a team goal", owner=acme.max, krs=[metric(0, 10)])
    sign_in(client, acme.pat)
    page = client.get(url(w, "team", acme.sales.pk)).text
    assert "Led by" in page
    assert "Vera VP" in page
    members = page[page.index('id="members-heading"') : page.index('id="subteams-heading"')]
    for name in ["Vera VP", "Max Manager", "Olga Operator"]:
        assert name in members
    assert "Pat Plain" not in members
    assert "Commercial" in page  # its parent
    assert "Sales goal" in page
    assert "Not a team goal" not in page
    parent = client.get(url(w, "team", acme.commercial.pk)).text
    subteams = parent[parent.index('id="subteams-heading"') :]
    assert "Sales" in subteams
    assert "3 members" in subteams


def test_private_team_goals_are_seen_by_the_team_only(client, acme):
    w = acme.world
    w.goal("Quiet deal", owner=acme.max, team=acme.sales, krs=[metric(0, 1)], visibility="private")
    path = url(w, "team", acme.sales.pk)
    sign_in(client, acme.pat)
    assert "Quiet deal" not in client.get(path).text
    sign_in(client, acme.olga)  # in the team
    assert "Quiet deal" in client.get(path).text


# --------------------------------------------------------------------------- no settings for members


def test_members_see_no_settings_controls(client, acme):
    sign_in(client, acme.pat)
    w = acme.world
    for path in [url(w, "people"), url(w, "person", acme.olga.pk), url(w, "team", acme.sales.pk)]:
        page = client.get(path).text
        assert "/settings/" not in page, path  # no link to any settings page
        assert "Invite someone" not in page
        assert "Edit in settings" not in page


def test_super_users_get_the_settings_controls(client, acme):
    sign_in(client, acme.sam)
    w = acme.world
    assert "Invite someone" in client.get(url(w, "people")).text
    person = client.get(url(w, "person", acme.olga.pk)).text
    assert url(w, "settings-person", acme.olga.pk) in person
    team = client.get(url(w, "team", acme.sales.pk)).text
    assert url(w, "settings-team", acme.sales.pk) in team


# --------------------------------------------------------------------------- query counts


def grow(world, count: int) -> SimpleNamespace:
    """``count`` more people under the CEO, five reports each, all in one team, and about a
    goal each (a fifth of them the CEO's team goals): bulk-created, the services are not the
    point here."""
    org = world.organisation
    tag = f"{org.slug}-{count}"
    password = make_password(PASSWORD)
    users = User.objects.bulk_create(
        User(email=f"{tag}-{i}@example.com", full_name=f"Filler {i:04}", password=password)
        for i in range(count)
    )
    people = Member.objects.bulk_create(
        Member(organisation=org, user=user, title="Engineer", accepted_at=clock.now())
        for user in users
    )
    everyone = [world.ceo, *people]
    for index, member in enumerate(people, start=1):
        member.manager = everyone[(index - 1) // 5]
    Member.objects.bulk_update(people, ["manager"], batch_size=500)
    team = orgs.create_team(actor=world.ceo, name="Everyone", lead=world.ceo)
    TeamMembership.objects.bulk_create(
        TeamMembership(organisation=org, team=team, member=member) for member in people
    )
    sub_teams = [
        orgs.create_team(actor=world.ceo, name=f"Squad {i}", parent=team) for i in range(3)
    ]
    Goal.objects.bulk_create(
        Goal(
            organisation=org,
            title=f"Goal {i}",
            owner=world.ceo if i % 5 == 0 else everyone[i],
            team=team if i % 5 == 0 else None,
            period=world.period,
            state=State.ACTIVE,
            progress=(i % 10) / 10,
            visibility="private" if i % 7 == 0 else "public",
        )
        for i in range(count)
    )
    return SimpleNamespace(team=team, sub_teams=sub_teams, first=people[0])


@pytest.mark.parametrize("as_super_user", [True, False])
def test_people_pages_run_a_fixed_number_of_queries(client, db, as_super_user):
    counts: dict[str, list[int]] = {}
    for size in (20, 500):
        world = make_world()
        filled = grow(world, size)
        viewer = world.ceo
        if not as_super_user:
            viewer = filled.first  # a member, with the CEO as manager and many reports
        sign_in(client, viewer)
        pages = {
            "org chart": url(world, "people"),
            "org chart, all open": url(world, "people", expand="all"),
            "org chart from a person": url(world, "people", focus=filled.first.pk),
            "search": url(world, "people", q="filler"),
            "the CEO's page": url(world, "person", world.ceo.pk),
            "a person's page": url(world, "person", filled.first.pk),
            "the team's page": url(world, "team", filled.team.pk),
        }
        for name, path in pages.items():
            count, page = queries(client, path)
            counts.setdefault(name, []).append(count)
            if name == "org chart, all open":
                assert page.count('class="node person"') == size + 1
    for name, (small, big) in counts.items():
        assert small == big, f"{name}: {small} queries for 20 people, {big} for 500"
        assert big <= 12, f"{name}: {big} queries"
