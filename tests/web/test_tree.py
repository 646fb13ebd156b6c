"""The alignment tree: sign in, see the organisation's goals as a tree with progress; the admin."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cascade.goals.models import Contribution, Goal, KeyResult
from cascade.orgs import services as orgs
from tests.builders import make_world, metric

PASSWORD = "pw-for-tests-only"


def sign_in(client, member):
    assert client.login(username=member.user.email, password=PASSWORD)


def tree_url(world) -> str:
    return f"/o/{world.organisation.slug}/tree/"


def test_signed_out_visitors_are_sent_to_sign_in(client, world):
    response = client.get(tree_url(world))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


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
    answer = client.get(f"{tree_url(world)}?goal={sales.pk}")
    assert answer.status_code == 200
    tree = answer.text.split('<ul class="tree"', 1)[1]
    assert tree.index("Grow the company") < tree.index("Win more deals")
    assert tree.index("Win more deals") < tree.index("Close the big one")
    assert "Hire the team" not in tree


def test_home_sends_a_member_of_one_organisation_to_their_week(client, world):
    sign_in(client, world.ceo)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == f"/o/{world.organisation.slug}/"


def test_another_organisations_tree_is_not_found(client, world, db):
    other = make_world()
    sign_in(client, world.ceo)
    assert client.get(tree_url(other)).status_code == 404


def test_private_goals_are_hidden_from_those_who_may_not_see_them(client, world):
    outsider = world.person("Olga", manager=world.ceo)
    world.goal("Secret acquisition", krs=[metric(0, 1)], visibility="private")
    sign_in(client, outsider)
    assert "Secret acquisition" not in client.get(tree_url(world)).text
    client.logout()
    sign_in(client, world.ceo)  # the owner, and a super user
    assert "Secret acquisition" in client.get(tree_url(world)).text


def add_goals(world, count: int, *, owners=None, private=lambda i: False, team=None) -> None:
    """``count`` active goals, each with a KR, goal i contributing to goal (i−1)//4; each goal's
    owner is ``owners[i % len(owners)]`` (the CEO by default), private where ``private(i)``,
    and in ``team`` when i is even."""
    org = world.organisation.pk
    owners = owners or [world.ceo]
    goals = Goal.objects.bulk_create(
        Goal(
            organisation_id=org,
            title=f"Goal {i}",
            owner=owners[i % len(owners)],
            team=team if i % 2 == 0 else None,
            visibility="private" if private(i) else "public",
            period=world.period,
            state="active",
        )
        for i in range(count)
    )
    KeyResult.objects.bulk_create(
        KeyResult(organisation_id=org, goal=g, title="KR", target=Decimal(1)) for g in goals
    )
    Contribution.objects.bulk_create(
        Contribution(organisation_id=org, junior=goals[i], senior=goals[(i - 1) // 4])
        for i in range(1, count)
    )


def queries_for_tree(client, world) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(tree_url(world)).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("sizes", [(20, 2000)])
def test_the_tree_runs_a_fixed_number_of_queries(client, db, sizes):
    counts = []
    for size in sizes:
        world = make_world()
        add_goals(world, size)
        client.logout()
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
        add_goals(
            world, size, owners=[world.ceo, member, other], private=lambda i: i % 3 == 2, team=team
        )
        client.logout()
        sign_in(client, member)
        # Goal 5: private, Pete's, not her team's: hidden. Goal 2: private, Pete's, her team's.
        page = client.get(tree_url(world)).text
        assert "Goal 5<" not in page
        assert "Goal 2<" in page
        counts.append(queries_for_tree(client, world))
    assert counts[0] == counts[1], counts


def test_the_admin_is_for_installation_operators(client, world):
    sign_in(client, world.ceo)
    assert client.get("/admin/").status_code == 302  # an organisation super user is not an operator
    world.ceo.user.is_staff = world.ceo.user.is_superuser = True
    world.ceo.user.save()
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/goals/goal/").status_code == 200
