"""One person in two organisations: the choice after signing in, the switcher in the top bar, and
each organisation's pages showing only that organisation's goals."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.urls import reverse

from cascade.orgs import services as orgs
from tests.builders import make_world, metric
from tests.web.helpers import sign_in, url
from tests.web.page_parts import part, parts, text


@pytest.fixture
def dana(db):
    """Dana Double is a member of Acme and of Globex, with a goal in each; each CEO has one too."""
    acme, globex = make_world("Acme"), make_world("Globex")
    at_acme = acme.person("Dana Double", manager=acme.ceo)
    at_globex = orgs.add_member(actor=globex.ceo, user=at_acme.user, manager=globex.ceo)
    return SimpleNamespace(
        acme=acme,
        globex=globex,
        at_acme=at_acme,
        at_globex=at_globex,
        acme_goals={
            acme.goal("Acme revenue", krs=[metric(title="Acme ARR")]),
            acme.goal("Dana at Acme", owner=at_acme, krs=[metric(title="Acme deals")]),
        },
        globex_goals={
            globex.goal("Globex launch", krs=[metric(title="Globex users")]),
            globex.goal("Dana at Globex", owner=at_globex, krs=[metric(title="Globex deals")]),
        },
    )


def switcher(page: str) -> str:
    return part(page, "details", class_="switcher")


def test_after_sign_in_a_person_in_two_organisations_chooses_one(client, dana):
    sign_in(client, dana.at_acme)
    response = client.get(reverse("home"))
    assert response.status_code == 200  # a choice, not a redirect
    choices = part(response.text, "ul", class_="cards")
    links = {text(a): a for a in parts(choices, "a")}
    assert set(links) == {"Acme", "Globex"}
    assert f'href="{url(dana.acme)}"' in links["Acme"]
    assert f'href="{url(dana.globex)}"' in links["Globex"]


def test_the_switcher_lists_both_and_marks_the_current_one(client, dana):
    sign_in(client, dana.at_acme)
    at_acme = switcher(client.get(url(dana.acme)).text)
    assert {text(a) for a in parts(at_acme, "a")} == {"Acme", "Globex"}
    assert text(part(at_acme, "a", aria_current="true")) == "Acme"

    # Switching: follow the switcher's link to Globex.
    to_globex = next(a for a in parts(at_acme, "a") if text(a) == "Globex")
    assert f'href="{url(dana.globex)}"' in to_globex
    response = client.get(url(dana.globex))
    assert response.status_code == 200
    at_globex = switcher(response.text)
    assert text(part(at_globex, "a", aria_current="true")) == "Globex"
    assert "<title>My week · Globex</title>" in response.text


def test_each_organisations_pages_show_only_its_own_goals(client, dana):
    sign_in(client, dana.at_acme)
    for world, own, other in (
        (dana.acme, dana.acme_goals, dana.globex_goals),
        (dana.globex, dana.globex_goals, dana.acme_goals),
    ):
        goal_list = client.get(url(world, "goal-list")).text
        tree = client.get(url(world, "goal-tree")).text
        for goal in own:
            assert goal.title in goal_list, (world.organisation.name, goal.title)
            assert goal.title in tree, (world.organisation.name, goal.title)
            assert client.get(url(world, "goal-detail", goal.pk)).status_code == 200
        for goal in other:
            assert goal.title not in goal_list, (world.organisation.name, goal.title)
            assert goal.title not in tree, (world.organisation.name, goal.title)
            # The other organisation's goal under this organisation's address: not found.
            assert client.get(url(world, "goal-detail", goal.pk)).status_code == 404

    # My week and the check-in page: Dana's own goal and key results in that organisation only.
    week = client.get(url(dana.globex)).text
    mine = text(part(week, "section", aria_labelledby="mine-heading"))
    assert "Dana at Globex" in mine
    assert "Dana at Acme" not in mine
    check_in = client.get(url(dana.globex, "check-in")).text
    assert "Globex deals" in check_in
    assert "Acme deals" not in check_in
    check_in = client.get(url(dana.acme, "check-in")).text
    assert "Acme deals" in check_in
    assert "Globex deals" not in check_in


def test_a_person_in_one_organisation_gets_no_switcher(client, dana):
    sign_in(client, dana.acme.ceo)
    page = client.get(url(dana.acme)).text
    assert 'class="menu switcher"' not in page
    assert text(part(page, "span", class_="org-name")) == "Acme"
    assert client.get(reverse("home"))["Location"] == url(dana.acme)


def test_an_organisation_that_deactivated_you_is_not_offered(client, dana):
    initech = make_world("Initech")
    there = orgs.add_member(actor=initech.ceo, user=dana.at_acme.user)
    orgs.deactivate_member(actor=initech.ceo, member=there)
    sign_in(client, dana.at_acme)
    choices = text(part(client.get(reverse("home")).text, "ul", class_="cards"))
    assert "Acme" in choices
    assert "Initech" not in choices
    assert {text(a) for a in parts(switcher(client.get(url(dana.acme)).text), "a")} == {
        "Acme",
        "Globex",
    }
    assert client.get(url(initech)).status_code == 404
