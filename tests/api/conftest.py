"""Calling the API as a program would: over HTTP (Django's test client), with a real token."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from cascade.api.services import issue_token
from cascade.orgs.models import Member
from tests.builders import World

BASE = "/api/v1"


@dataclass
class Answer:
    status: int
    body: Any
    headers: Any

    @property
    def error(self) -> dict[str, Any]:
        return self.body["error"]


class Api:
    """The API as one member sees it through a token (or with no credentials at all)."""

    def __init__(self, token: str | None = None, client: Client | None = None) -> None:
        self.token = token
        self.client = client or Client()

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        sent = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return {**sent, **(headers or {})}

    def _answer(self, response: Any) -> Answer:
        content = response.content
        body = json.loads(content) if content else None
        return Answer(response.status_code, body, response.headers)

    def get(self, path: str, headers: dict[str, str] | None = None, **params: Any) -> Answer:
        return self._answer(
            self.client.get(BASE + path, data=params, headers=self._headers(headers))
        )

    def send(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> Answer:
        call = getattr(self.client, method.lower())
        data = "" if body is None else json.dumps(body)
        return self._answer(
            call(
                BASE + path,
                data=data,
                content_type="application/json",
                headers=self._headers(headers),
            )
        )

    def post(self, path: str, body: Any = None, **kw: Any) -> Answer:
        return self.send("POST", path, body, **kw)

    def patch(self, path: str, body: Any = None, **kw: Any) -> Answer:
        return self.send("PATCH", path, body, **kw)

    def delete(self, path: str, **kw: Any) -> Answer:
        return self.send("DELETE", path, None, **kw)


def api_for(member: Member) -> Api:
    return Api(issue_token(member=member, name="tests").plain)


@pytest.fixture
def api(world: World) -> Api:
    """The API as the CEO of the world (a super user)."""
    return api_for(world.ceo)


@pytest.fixture
def anonymous() -> Api:
    return Api()


@dataclass
class Org:
    """Two organisations, as in the tests' org charts:

    Acme (``world``): the CEO (a super user) → Vera, a VP → Rob, a rep; Olga, a member who
    manages no one. Goals: the company goal (CEO) ← Vera's sales goal ← Rob's private plan.
    Elsewhere (``other``): another organisation with a goal, a key result and a link, which
    Acme's people must never reach (404).
    """

    world: World
    vera: Member
    rob: Member
    olga: Member
    company: Any
    sales: Any
    private: Any
    other: World
    other_goal: Any
    other_junior: Any

    def kr(self, goal: Any) -> Any:
        return self.world.kr(goal)

    @property
    def ceo(self) -> Member:
        return self.world.ceo


@pytest.fixture
def org(world: World) -> Org:
    from tests.builders import make_world, metric, milestone

    vera = world.person("Vera VP", manager=world.ceo)
    rob = world.person("Rob Rep", manager=vera)
    olga = world.person("Olga Other")
    company = world.goal("Grow revenue", krs=[metric(0, 100), milestone()])
    sales = world.goal("Win deals", owner=vera, krs=[metric(0, 10)], under={company: 2})
    private = world.goal(
        "Private plan", owner=rob, krs=[metric(0, 4)], under={sales: 1}, visibility="private"
    )
    other = make_world()
    other_goal = other.goal("Their goal", krs=[metric(0, 10)])
    other_junior = other.goal("Their junior", krs=[metric(0, 10)], under={other_goal: 1})
    return Org(world, vera, rob, olga, company, sales, private, other, other_goal, other_junior)
