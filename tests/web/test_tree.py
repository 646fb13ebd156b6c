"""The alignment tree: sign in, see the organisation's goals as a tree with progress; the admin."""

import pytest
from django.urls import reverse

from cascade.orgs import services as orgs
from tests.builders import make_world, metric
from tests.web.helpers import goals_in_bulk, queries, sign_in, url


def tree_url(world, **query) -> str:
    return url(world, "goal-tree", **query)


def test_signed_out_visitors_are_sent_to_sign_in(client, world):
    response = client.get(tree_url(world))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_tree_shows_seniors_above_juniors_with_progress(client, world):
    vp = world.person("Vera", manager=world.ceo)
    company = world.goal("Grow the company", krs=[metric(0, 100)])
    sales = world.goal("Win more deals", owner=vp, krs=[metric(0, 10)], under={company: 1})
    world.check_in(sales, 5)
    sign_in(client, vp)
    page = client.get(tree_url(world)).text
    assert page.index("Grow the company") < page.index("Win more deals")
    assert "50 %" in page  # Sales: 5 of 10
    assert "25 %" in page  # Company: (0 + 0.5) / 2


def test_the_tree_from_a_goal_shows_its_line_up_and_down_not_its_siblings(client, world):
    company = world.goal("Grow the company", krs=[metric(0, 100)])
    sales = world.goal("Win more deals", krs=[metric(0, 10)], under={company: 1})
    world.goal("Hire the team", krs=[metric(0, 10)], under={company: 1})  # a sibling of sales
    world.goal("Close the big one", krs=[metric(0, 1)], under={sales: 2})
    sign_in(client, world.ceo)
    answer = client.get(tree_url(world, goal=sales.pk))
    assert answer.status_code == 200
    tree = answer.text.split('<ul class="tree"', 1)[1]
    assert tree.index("Grow the company") < tree.index("Win more deals")
    assert tree.index("Win more deals") < tree.index("Close the big one")
    assert "Hire the team" not in tree


def chain(world, titles, visibility="public"):
    """Goals each contributing to the one before: a line down the tree."""
    goals = [world.goal(titles[0], krs=[metric(0, 10)])]
    for title in titles[1:]:
        goals.append(
            world.goal(title, krs=[metric(0, 10)], under={goals[-1]: 1}, visibility=visibility)
        )
    return goals


def test_the_tree_sends_three_levels_and_the_rest_when_a_goal_is_opened(client, world):
    goals = chain(world, ["Level 0", "Level 1", "Level 2", "Level 3", "Level 4"])
    sign_in(client, world.ceo)
    page = client.get(tree_url(world)).text
    for title in ("Level 0", "Level 1", "Level 2"):
        assert title in page
    assert "Level 3" not in page  # under Level 2: loaded when it is opened
    juniors = url(world, "goal-tree-node", goals[2].pk, period=world.period.pk)
    assert f'hx-get="{juniors}"'.replace("&", "&amp;") in page
    # without JavaScript, the link opens the tree from Level 2
    assert f'?goal={goals[2].pk}&amp;period={world.period.pk}">Show the 1 below' in page

    part = client.get(juniors).text
    assert "Level 3" in part
    assert "Level 4" in part  # its juniors, one level further
    assert "Level 2" not in part
    assert "<html" not in part


def test_the_tree_from_a_deep_goal_sends_its_line_up_and_two_levels_down(client, world):
    goals = chain(world, [f"Level {i}" for i in range(7)])
    sign_in(client, world.ceo)
    page = client.get(tree_url(world, goal=goals[3].pk)).text
    for i in range(6):
        assert f"Level {i}" in page  # the line up to the top, the goal, two levels below it
    assert "Level 6" not in page


def test_around_a_goal_the_nodes_cut_off_at_the_last_level_are_closed(client, world):
    goals = chain(world, [f"Level {i}" for i in range(5)])
    sign_in(client, world.ceo)
    page = client.get(tree_url(world, goal=goals[1].pk)).text
    # Level 3, two below the goal, has a junior not sent: closed, to be fetched when opened
    lazy = page.split(url(world, "goal-tree-node", goals[3].pk), 1)[0].rsplit("<details", 1)[1]
    assert " open" not in lazy
    assert page.count("<details open") == 3  # Levels 0, 1 and 2, whose juniors were sent


def test_juniors_are_only_fetched_from_goals_the_reader_may_see(client, world):
    outsider = world.person("Olga", manager=world.ceo)
    top, secret, _below = chain(world, ["Public top", "Secret step", "Under it"], "private")
    sign_in(client, outsider)
    assert client.get(url(world, "goal-tree-node", secret.pk)).status_code == 404
    part = client.get(url(world, "goal-tree-node", top.pk)).text
    assert "Secret step" not in part
    other = make_world()
    theirs = other.goal("Their goal", krs=[metric(0, 1)])
    assert client.get(url(world, "goal-tree-node", theirs.pk)).status_code == 404


def test_home_sends_a_member_of_one_organisation_to_their_week(client, world):
    sign_in(client, world.ceo)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == url(world)


def test_another_organisations_tree_is_not_found(client, world, db):
    other = make_world()
    sign_in(client, world.ceo)
    assert client.get(tree_url(other)).status_code == 404


def test_private_goals_are_hidden_from_those_who_may_not_see_them(client, world):
    outsider = world.person("Olga", manager=world.ceo)
    world.goal("Secret acquisition", krs=[metric(0, 1)], visibility="private")
    sign_in(client, outsider)
    assert "Secret acquisition" not in client.get(tree_url(world)).text
    sign_in(client, world.ceo)  # the owner, and a super user
    assert "Secret acquisition" in client.get(tree_url(world)).text


def queries_for_tree(client, world) -> int:
    return queries(client, tree_url(world))[0]


@pytest.mark.parametrize("sizes", [(20, 2000)])
def test_the_tree_runs_a_fixed_number_of_queries(client, db, sizes):
    counts = []
    for size in sizes:
        world = make_world()
        goals_in_bulk(world, size, fan_out=4)
        sign_in(client, world.ceo)
        counts.append(queries_for_tree(client, world))
    assert counts[0] == counts[1]


@pytest.mark.parametrize("sizes", [(20, 2000)])
def test_the_tree_runs_a_fixed_number_of_queries_for_a_member_with_private_goals(client, db, sizes):
    """A plain member, whom the private-goal filter applies to: a third of the goals are hers, a
    third someone else's; every third goal is private, every other one her team's."""
    counts = []
    for size in sizes:
        world = make_world()
        member = world.person("Mia", manager=world.ceo)
        other = world.person("Pete", manager=world.ceo)
        team = orgs.create_team(actor=world.ceo, name="Squad", members=[member])
        goals_in_bulk(
            world,
            size,
            fan_out=4,
            owners=[world.ceo, member, other],
            private=lambda i: i % 3 == 2,
            team=team,
        )
        sign_in(client, member)
        # Goal 5: private, Pete's, not her team's: hidden. Goal 2: private, Pete's, her team's.
        page = client.get(tree_url(world)).text
        assert "Goal 5<" not in page
        assert "Goal 2<" in page
        counts.append(queries_for_tree(client, world))
    assert counts[0] == counts[1], counts


def test_the_admin_is_for_installation_operators(client, world):
    sign_in(client, world.ceo)
    admin = reverse("admin:index")
    assert client.get(admin).status_code == 302  # an organisation super user is not an operator
    world.ceo.user.is_staff = world.ceo.user.is_superuser = True
    world.ceo.user.save()
    assert client.get(admin).status_code == 200
    assert client.get(reverse("admin:goals_goal_changelist")).status_code == 200
