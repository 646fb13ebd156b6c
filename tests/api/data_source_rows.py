"""The rows of the endpoint table (``test_every_endpoint.py``) for the data sources:
``/connections`` and ``/key-results/{id}/source``, each tried four ways.

Connections are for super users (the CEO; Olga is refused), a key result's source for its
goal's owner (Vera owns the sales goal) and super users; the other organisation has a connection
and a bound key result of its own. Nothing is mocked: where a success has to reach the service
(testing a connection, previewing a query), the row starts the local fake Jira
(``cascade.integrations.fakes``, with the data of ``tests/integrations/conftest.py``) and the
table's test stops it afterwards (``stop_fake_services``). Everywhere else the connection points
at an address that is never called. ``data_source_rows(Call)`` takes the table's ``Call`` class,
so that this module need not import the test module that imports it.
"""

from __future__ import annotations

import itertools
from contextlib import ExitStack
from typing import Any

from cascade.goals import services as goals
from cascade.goals.models import KeyResult
from cascade.integrations import services
from cascade.integrations.fakes.jira import FakeJira
from cascade.integrations.models import Connection
from tests.api.conftest import Org
from tests.builders import World
from tests.integrations.conftest import JIRA_EMAIL, JIRA_TOKEN, issues

JQL = "project = ONB AND labels = setup-step AND statusCategory = Done"  # 5 issues in the fake
NEVER_CALLED = "https://acme.atlassian.net"

_names = itertools.count(1)


class FakeServices:
    """The fake Jira of one test: started when a row first needs it, stopped by ``stop``."""

    def __init__(self) -> None:
        self._running = ExitStack()
        self._jira: FakeJira | None = None

    def jira(self) -> FakeJira:
        if self._jira is None:
            self._jira = self._running.enter_context(
                FakeJira("cloud", issues(), email=JIRA_EMAIL, token=JIRA_TOKEN, page_size=5)
            )
        return self._jira

    def stop(self) -> None:
        self._running.close()
        self._jira = None


FAKES = FakeServices()  # the tests run one at a time; the table's test stops it after each


def stop_fake_services() -> None:
    FAKES.stop()


def jira_body(**fields: Any) -> dict[str, Any]:
    """A new Jira Cloud connection, as ``POST /connections`` takes it."""
    return {
        "service": "jira_cloud",
        "name": f"Jira {next(_names)}",
        "base_url": NEVER_CALLED,
        "username": JIRA_EMAIL,
        "secret": JIRA_TOKEN,
        **fields,
    }


def connection(o: Org, world: World | None = None, *, live: bool = False) -> Connection:
    """A Jira Cloud connection of the organisation (Acme's unless ``world`` says otherwise),
    to the running fake Jira if ``live``."""
    world = world or o.world
    return services.create_connection(
        actor=world.ceo,
        service="jira_cloud",
        name=f"Jira {next(_names)}",
        base_url=FAKES.jira().url if live else NEVER_CALLED,
        username=JIRA_EMAIL,
        secret=JIRA_TOKEN,
    )


def other_connection(o: Org) -> Connection:
    return connection(o, o.other)


def both_connections(o: Org, path: str) -> str:
    """The path, once each organisation has a connection."""
    connection(o)
    other_connection(o)
    return path


def bound(o: Org, goal: Any = None, world: World | None = None) -> KeyResult:
    """The first key result of the goal (Vera's sales goal unless told), bound to a connection
    of its organisation by a super user."""
    world = world or o.world
    kr = world.kr(goal or o.sales)
    services.bind_key_result(
        actor=world.ceo,
        key_result=kr,
        connection=connection(o, world),
        mode="jira_count",
        query=JQL,
    )
    return kr


def in_use(o: Org) -> Connection:
    """A connection the sales key result takes its values from."""
    return Connection.objects.get(bindings__key_result=bound(o))


def other_bound(o: Org) -> KeyResult:
    return bound(o, o.other_goal, o.other)


def synced(o: Org) -> KeyResult:
    """The sales key result, bound, with a "sync now" queued."""
    kr = bound(o)
    services.request_sync(actor=o.vera, key_result=kr)
    return kr


def bound_of_a_closed_goal(o: Org) -> KeyResult:
    kr = bound(o)
    goals.close_goal(actor=o.vera, goal=o.sales, score=1, outcome="achieved")
    return kr


def binding_body(connection_id: int, **fields: Any) -> dict[str, Any]:
    return {"connection": connection_id, "mode": "jira_count", "query": JQL, **fields}


def only_ours(o: Org, body: Any) -> bool:
    """A list of connections with items, all of them the caller's organisation's."""
    ours = set(
        Connection.objects.filter(organisation=o.world.organisation).values_list("pk", flat=True)
    )
    return bool(body["items"]) and {item["id"] for item in body["items"]} <= ours


def data_source_rows(Call: Any) -> dict[str, dict[str, Any]]:
    return {
        "GET /connections": {
            "success": Call("ceo", "GET", lambda o: both_connections(o, "/connections")),
            "invalid": Call("ceo", "GET", "/connections?limit=0", status=400),
            "forbidden": Call("olga", "GET", "/connections", status=403),
            "elsewhere": Call(
                "ceo", "GET", lambda o: both_connections(o, "/connections"), check=only_ours
            ),
        },
        "POST /connections": {
            "success": Call("ceo", "POST", "/connections", lambda o: jira_body(), 201),
            "invalid": Call(
                "ceo",
                "POST",
                "/connections",
                lambda o: jira_body(base_url="http://jira.example"),  # no plain http
                400,
            ),
            "forbidden": Call("olga", "POST", "/connections", lambda o: jira_body(), 403),
            "elsewhere": Call(  # names are unique in an organisation: another's do not count
                "ceo",
                "POST",
                "/connections",
                lambda o: jira_body(name=other_connection(o).name),
                201,
                check=lambda o, body: (
                    Connection.objects.get(pk=body["id"]).organisation_id == o.world.organisation.pk
                ),
            ),
        },
        "GET /connections/{connection_id}": {
            "success": Call("ceo", "GET", lambda o: f"/connections/{connection(o).pk}"),
            "invalid": Call("ceo", "GET", "/connections/abc", status=400),
            "forbidden": Call(
                "olga", "GET", lambda o: f"/connections/{connection(o).pk}", status=403
            ),
            "elsewhere": Call(
                "ceo", "GET", lambda o: f"/connections/{other_connection(o).pk}", status=404
            ),
        },
        "PATCH /connections/{connection_id}": {
            "success": Call(
                "ceo", "PATCH", lambda o: f"/connections/{connection(o).pk}", {"name": "Tracker"}
            ),
            "invalid": Call(
                "ceo",
                "PATCH",
                lambda o: f"/connections/{connection(o).pk}",
                {"base_url": "http://jira.example"},
                400,
            ),
            "forbidden": Call(
                "olga",
                "PATCH",
                lambda o: f"/connections/{connection(o).pk}",
                {"name": "Mine"},
                403,
            ),
            "elsewhere": Call(
                "ceo",
                "PATCH",
                lambda o: f"/connections/{other_connection(o).pk}",
                {"name": "Ours"},
                404,
            ),
        },
        "DELETE /connections/{connection_id}": {
            "success": Call(
                "ceo", "DELETE", lambda o: f"/connections/{connection(o).pk}", status=204
            ),
            "invalid": Call(  # a key result still takes values from it
                "ceo", "DELETE", lambda o: f"/connections/{in_use(o).pk}", status=400
            ),
            "forbidden": Call(
                "olga", "DELETE", lambda o: f"/connections/{connection(o).pk}", status=403
            ),
            "elsewhere": Call(
                "ceo", "DELETE", lambda o: f"/connections/{other_connection(o).pk}", status=404
            ),
        },
        "POST /connections/{connection_id}/test": {
            "success": Call(
                "ceo",
                "POST",
                lambda o: f"/connections/{connection(o, live=True).pk}/test",
                check=lambda o, body: body["ok"] is True and body["request_id"],
            ),
            "invalid": Call("ceo", "POST", "/connections/0/test", status=400),
            "forbidden": Call(
                "olga", "POST", lambda o: f"/connections/{connection(o).pk}/test", status=403
            ),
            "elsewhere": Call(
                "ceo", "POST", lambda o: f"/connections/{other_connection(o).pk}/test", status=404
            ),
        },
        "GET /key-results/{key_result_id}/source": {
            "success": Call(
                "vera",
                "GET",
                lambda o: f"/key-results/{bound(o).pk}/source",
                check=lambda o, body: body["query"] == JQL,
            ),
            "invalid": Call("vera", "GET", "/key-results/abc/source", status=400),
            "forbidden": Call(  # Olga sees the sales goal but does not own it
                "olga", "GET", lambda o: f"/key-results/{bound(o).pk}/source", status=403
            ),
            "elsewhere": Call(
                "ceo", "GET", lambda o: f"/key-results/{other_bound(o).pk}/source", status=404
            ),
        },
        "PUT /key-results/{key_result_id}/source": {
            "success": Call(
                "vera",
                "PUT",
                lambda o: f"/key-results/{o.kr(o.sales).pk}/source",
                lambda o: binding_body(connection(o).pk),
            ),
            "invalid": Call(
                "vera",
                "PUT",
                lambda o: f"/key-results/{o.kr(o.sales).pk}/source",
                lambda o: binding_body(connection(o).pk, mode="jira_sum"),  # which field?
                400,
            ),
            "forbidden": Call(
                "olga",
                "PUT",
                lambda o: f"/key-results/{o.kr(o.sales).pk}/source",
                lambda o: binding_body(connection(o).pk),
                403,
            ),
            "elsewhere": Call(  # the other organisation's connection, in the body
                "vera",
                "PUT",
                lambda o: f"/key-results/{o.kr(o.sales).pk}/source",
                lambda o: binding_body(other_connection(o).pk),
                404,
            ),
        },
        "DELETE /key-results/{key_result_id}/source": {
            "success": Call(
                "vera", "DELETE", lambda o: f"/key-results/{bound(o).pk}/source", status=204
            ),
            "invalid": Call("vera", "DELETE", "/key-results/0/source", status=400),
            "forbidden": Call(
                "olga", "DELETE", lambda o: f"/key-results/{bound(o).pk}/source", status=403
            ),
            "elsewhere": Call(
                "ceo", "DELETE", lambda o: f"/key-results/{other_bound(o).pk}/source", status=404
            ),
        },
        "POST /key-results/{key_result_id}/source/preview": {
            "success": Call(
                "vera",
                "POST",
                lambda o: f"/key-results/{o.kr(o.sales).pk}/source/preview",
                lambda o: binding_body(connection(o, live=True).pk),
                check=lambda o, body: (body["value"], body["error"]) == (5, None),
            ),
            "invalid": Call(
                "vera",
                "POST",
                lambda o: f"/key-results/{o.kr(o.sales).pk}/source/preview",
                lambda o: binding_body(connection(o).pk, mode="jira_sum"),
                400,
            ),
            "forbidden": Call(
                "olga",
                "POST",
                lambda o: f"/key-results/{o.kr(o.sales).pk}/source/preview",
                lambda o: binding_body(connection(o).pk),
                403,
            ),
            "elsewhere": Call(
                "ceo",
                "POST",
                lambda o: f"/key-results/{o.other.kr(o.other_goal).pk}/source/preview",
                lambda o: binding_body(connection(o).pk),
                404,
            ),
        },
        "POST /key-results/{key_result_id}/source/sync": {
            "success": Call(
                "vera", "POST", lambda o: f"/key-results/{bound(o).pk}/source/sync", status=201
            ),
            "invalid": Call(  # a closed goal's key results take no new values
                "vera",
                "POST",
                lambda o: f"/key-results/{bound_of_a_closed_goal(o).pk}/source/sync",
                status=400,
            ),
            "forbidden": Call(
                "olga", "POST", lambda o: f"/key-results/{bound(o).pk}/source/sync", status=403
            ),
            "elsewhere": Call(
                "ceo",
                "POST",
                lambda o: f"/key-results/{other_bound(o).pk}/source/sync",
                status=404,
            ),
        },
        "GET /key-results/{key_result_id}/source/runs": {
            "success": Call(
                "vera",
                "GET",
                lambda o: f"/key-results/{synced(o).pk}/source/runs",
                check=lambda o, body: body["count"] == 1,
            ),
            "invalid": Call(
                "vera",
                "GET",
                lambda o: f"/key-results/{synced(o).pk}/source/runs?limit=0",
                status=400,
            ),
            "forbidden": Call(  # reading is never forbidden: Rob's private goal is not there
                "olga",
                "GET",
                lambda o: f"/key-results/{bound(o, o.private).pk}/source/runs",
                status=404,
            ),
            "elsewhere": Call(
                "ceo",
                "GET",
                lambda o: f"/key-results/{other_bound(o).pk}/source/runs",
                status=404,
            ),
        },
    }
