"""Every list (and the goal page) runs a fixed number of queries, whatever the size of the data.

Each path is measured with a small organisation (one of everything), then again after it has
grown twelve times over; the counts must be equal.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cascade.api.services import issue_token
from cascade.goals import services as goals
from cascade.orgs import services as orgs
from tests.api.conftest import Api, Org, api_for
from tests.builders import metric, milestone

PATHS = {
    "goals": lambda o: "/goals",
    "goals (filtered by status)": lambda o: "/goals?status=off_track",
    "goal": lambda o: f"/goals/{o.company.pk}",
    "explain": lambda o: f"/goals/{o.company.pk}/explain",
    "history": lambda o: f"/goals/{o.company.pk}/history",
    "goal audit": lambda o: f"/goals/{o.company.pk}/audit",
    "check-ins": lambda o: f"/key-results/{o.kr(o.company).pk}/check-ins",
    "comments": lambda o: f"/goals/{o.company.pk}/comments",
    "tree": lambda o: "/tree",
    "members": lambda o: "/members",
    "teams": lambda o: "/teams",
    "periods": lambda o: "/periods",
    "tokens": lambda o: "/tokens",
    "audit events": lambda o: "/audit-events",
}


def count_queries(client: Api, path: str) -> int:
    client.get(path)  # warm up: the token's last use is written at most once a minute
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(path)
    assert answer.status == 200, answer.body
    return len(queries)


def grow(org: Org, times: int) -> None:
    """More of everything each list shows: goals with KRs under the company goal (some private,
    some owned by people the caller does not manage), check-ins, comments, people, teams, periods, tokens."""
    world = org.world
    first = len(world.people)
    for n in range(first, first + times):
        person = world.person(f"Person {n}", manager=org.vera if n % 2 else org.olga)
        goal = world.goal(
            f"Goal {n}",
            owner=person,
            krs=[metric(0, 10), milestone()],
            under={org.company: 1, org.sales: 1},
            visibility="private" if n % 3 == 0 else "public",
        )
        world.check_in(goal, n % 10)
        world.check_in(org.company, 10 * n)
        goals.add_comment(
            actor=person,
            goal=org.company,
            body=f"@[Vera](member:{org.vera.pk}), @[me](member:{person.pk}) and **news** {n}",
        )
        orgs.create_team(actor=world.ceo, name=f"Team {n}", lead=person, members=[org.rob])
        orgs.create_period(
            actor=world.ceo, name=f"Month {n}", kind="month", start=world.period.start,
            end=world.period.end,
        )  # fmt: skip
        issue_token(member=org.ceo, name=f"token {n}")
        issue_token(member=org.vera, name=f"token {n}")


@pytest.mark.parametrize("who", ["vera", "ceo"])
def test_list_queries_do_not_grow_with_the_data(org, who):
    client = api_for(getattr(org, who))
    paths = {name: path(org) for name, path in PATHS.items()}
    if who == "vera":
        del paths["audit events"]  # for super users only
    grow(org, 1)  # one of everything: an empty page skips the queries for its items
    small = {name: count_queries(client, path) for name, path in paths.items()}
    grow(org, 12)
    large = {name: count_queries(client, path) for name, path in paths.items()}
    print(f"queries per request as {who}: {small}")
    assert large == small
    # And what the numbers are, so that a change shows up here first.
    assert small["goals"] <= 7
    assert small["goal"] <= 8
    assert max(small.values()) <= 8


def test_the_pages_really_did_grow(org):
    client = api_for(org.ceo)
    before = client.get("/goals").body["count"]
    grow(org, 3)
    assert client.get("/goals").body["count"] == before + 3
    assert len(client.get(f"/goals/{org.company.pk}").body["contributors"]) == 1 + 3
