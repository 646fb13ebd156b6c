"""What issue 4 is done by: a script holding nothing but a token builds a three-level goal tree,
checks in, and reads back the progress and its explanation — over real HTTP, against the live
server, with nothing but the standard library."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from tests.builders import make_world


class Script:
    def __init__(self, base: str, token: str) -> None:
        self.base = base
        self.token = token

    def call(self, method: str, path: str, body: object = None) -> dict:
        request = urllib.request.Request(
            self.base + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            raise AssertionError(f"{method} {path}: {error.code} {error.read()!r}") from None

    def goal(self, title: str, period: int, target: float, senior: int | None = None, weight=1):
        goal = self.call("POST", "/goals", {"title": title, "period": period})
        kr = self.call(
            "POST",
            f"/goals/{goal['id']}/key-results",
            {"title": f"{title}: measure", "target": target},
        )
        if senior is not None:
            self.call(
                "POST",
                f"/goals/{goal['id']}/contributions",
                {"senior_goal": senior, "weight": weight},
            )
        self.call("POST", f"/goals/{goal['id']}/activate")
        return goal["id"], kr["id"]


@pytest.fixture
def token(live_server, transactional_db) -> str:
    world = make_world()
    request = urllib.request.Request(
        f"{live_server.url}/api/v1/tokens",
        method="POST",
        data=json.dumps(
            {"email": world.ceo.user.email, "password": "pw-for-tests-only", "name": "script"}
        ).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["token"]


def test_a_script_with_a_token_builds_a_tree_checks_in_and_reads_the_why(live_server, token):
    api = Script(f"{live_server.url}/api/v1", token)
    period = api.call("GET", "/periods")["items"][0]["id"]

    company, revenue = api.goal("Double revenue", period, target=100)
    sales, deals = api.goal("Win enterprise deals", period, target=20, senior=company, weight=3)
    team, calls = api.goal("Call every lead", period, target=200, senior=sales, weight=1)

    api.call("POST", f"/key-results/{calls}/check-ins", {"value": 150, "confidence": 7})
    api.call("POST", f"/key-results/{deals}/check-ins", {"value": "5"})

    # Team: 150/200 = 0.75. Sales: (1·5/20 + 1·0.75) / 2 = 0.5. Company: (1·0 + 3·0.5) / 4.
    progress = {gid: api.call("GET", f"/goals/{gid}")["progress"] for gid in (company, sales, team)}
    assert progress == {company: pytest.approx(0.375), sales: pytest.approx(0.5), team: 0.75}

    why = api.call("GET", f"/goals/{company}/explain")
    assert why["progress"] == pytest.approx(0.375)
    rows = {(row["kind"], row["id"]): row for row in why["contributors"]}
    assert rows[("key_result", revenue)]["share"] == 0
    sales_row = rows[("goal", sales)]
    assert (sales_row["title"], sales_row["weight"], sales_row["normalised_weight"]) == (
        "Win enterprise deals",
        3,
        0.75,
    )
    assert sales_row["share"] == pytest.approx(0.375)

    tree = api.call("GET", f"/tree?period={period}")
    top = tree["goals"][0]
    assert (top["id"], top["children"][0]["id"], top["children"][0]["children"][0]["id"]) == (
        company,
        sales,
        team,
    )
