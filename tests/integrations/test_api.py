"""The data sources in the REST API: connections (super users, secrets write-only), a key
result's source (bind, preview, sync now, runs, unbind), and the source state on every key
result."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection as db
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cascade.api.services import issue_token
from cascade.integrations.models import Binding, Connection, SyncRun
from cascade.integrations.runs import run_sync
from tests.builders import make_world, metric
from tests.integrations.conftest import JIRA_EMAIL, JIRA_TOKEN, JQL

pytestmark = pytest.mark.django_db


class Api:
    def __init__(self, member) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {issue_token(member=member, name='t').plain}"}

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        response = getattr(self.client, method)(
            f"/api/v1{path}",
            data="" if body is None else json.dumps(body),
            content_type="application/json",
            headers=self.headers,
        )
        return response.status_code, json.loads(response.content) if response.content else None


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()


@pytest.fixture
def ceo(world) -> Api:
    return Api(world.ceo)


def jira_body(fake, **kw) -> dict[str, Any]:
    return {
        "service": "jira_cloud",
        "name": "Jira",
        "base_url": fake.url,
        "username": JIRA_EMAIL,
        "secret": JIRA_TOKEN,
        **kw,
    }


def test_connections_for_super_users_with_write_only_secrets(world, ceo, jira_cloud):
    status, body = ceo.call("post", "/connections", jira_body(jira_cloud))
    assert status == 201, body
    assert "secret" not in body
    assert JIRA_TOKEN not in json.dumps(body)
    assert (body["service"], body["status"], body["key_results"]) == ("jira_cloud", "untested", 0)
    pk = body["id"]
    status, tested = ceo.call("post", f"/connections/{pk}/test")
    assert (status, tested["ok"]) == (200, True)
    assert tested["request_id"]
    status, page = ceo.call("get", "/connections")
    assert page["count"] == 1
    assert page["items"][0]["status"] == "ok"
    assert JIRA_TOKEN not in json.dumps(page)
    status, changed = ceo.call("patch", f"/connections/{pk}", {"secret": "wrong"})
    assert (status, changed["status"]) == (200, "untested")
    status, tested = ceo.call("post", f"/connections/{pk}/test")
    assert tested["ok"] is False
    assert tested["error_kind"] == "auth"
    assert tested["message"].startswith("You are not authenticated")
    assert ceo.call("get", f"/connections/{pk}")[1]["status"] == "needs_attention"
    status, refused = ceo.call(
        "post", "/connections", jira_body(jira_cloud, base_url="http://x.example")
    )
    assert status == 400
    assert "base_url" in refused["error"]["fields"]
    assert ceo.call("post", "/connections", jira_body(jira_cloud, name="jira"))[0] == 409
    assert ceo.call("delete", f"/connections/{pk}")[0] == 204
    assert not Connection.objects.exists()


def test_members_get_403_and_other_organisations_404(world, connect, jira_cloud):
    connection = connect.jira_cloud(jira_cloud)
    member = Api(world.person("Mo Member", manager=world.ceo))
    assert member.call("get", "/connections")[0] == 403
    assert member.call("post", "/connections", jira_body(jira_cloud, name="Mine"))[0] == 403
    assert member.call("post", f"/connections/{connection.pk}/test")[0] == 403
    assert member.call("delete", f"/connections/{connection.pk}")[0] == 403
    other = make_world("Umbrella")
    stranger = Api(other.ceo)
    assert stranger.call("get", f"/connections/{connection.pk}")[0] == 404
    assert jira_cloud.requests == []


def test_bind_preview_sync_and_read_the_source(world, ceo, connect, jira_cloud):
    connection = connect.jira_cloud(jira_cloud)
    owner = world.person("Olive Owner", manager=world.ceo)
    goal = world.goal("Ship", owner=owner, krs=[metric(0, 10)])
    kr = world.kr(goal)
    mine = Api(owner)
    path = f"/key-results/{kr.pk}/source"
    binding = {"connection": connection.pk, "mode": "jira_count", "query": JQL}

    status, preview = mine.call("post", path + "/preview", binding)
    assert (status, preview["value"], preview["error"]) == (200, 5, None)
    status, preview = mine.call("post", path + "/preview", {**binding, "query": "sprint = 1"})
    assert preview["value"] is None
    assert preview["error_kind"] == "bad_query"
    assert "sprint" in preview["error"]
    assert mine.call("get", path)[0] == 404  # nothing bound yet

    status, bound = mine.call("put", path, {**binding, "interval_minutes": 30})
    assert status == 200, bound
    assert (bound["mode"], bound["query"], bound["interval_minutes"]) == ("jira_count", JQL, 30)
    assert bound["connection"] == {
        "id": connection.pk,
        "name": "Jira",
        "service": "jira_cloud",
        "status": "untested",
    }

    status, run = mine.call("post", path + "/sync")
    assert (status, run["status"], run["trigger"]) == (201, "queued", "manual")
    assert mine.call("post", path + "/sync") == (200, run)  # already on its way
    run_sync(run["id"])
    status, kr_out = mine.call("get", f"/key-results/{kr.pk}")
    assert kr_out["current"] == 5
    source = kr_out["source"]
    assert source["last_value"] == 5
    assert source["sync_status"] == "succeeded"
    assert source["last_synced_at"]
    assert "query" not in source  # the query is for those who may bind
    status, runs = mine.call("get", path + "/runs")
    assert runs["count"] == 1
    assert runs["items"][0]["changed"] is True
    assert runs["items"][0]["request_id"]

    reader = Api(world.person("Rita Reader", manager=world.ceo))
    assert reader.call("get", f"/key-results/{kr.pk}")[1]["source"]["last_value"] == 5
    assert reader.call("get", path)[0] == 403
    assert reader.call("put", path, binding)[0] == 403
    assert reader.call("post", path + "/sync")[0] == 403
    assert reader.call("delete", path)[0] == 403

    assert mine.call("put", path, {**binding, "connection": 999_999})[1]["error"]["fields"] == {
        "connection": "No such connection."
    }
    assert mine.call("delete", path)[0] == 204
    assert mine.call("get", f"/key-results/{kr.pk}")[1]["source"] is None
    assert not Binding.objects.exists()


def test_goals_show_sources_with_a_fixed_number_of_queries(world, ceo, connect, jira_cloud):
    connection = connect.jira_cloud(jira_cloud)
    counts = []
    for size in (1, 5):
        goal = world.goal(f"Goal {size}", krs=[metric(0, 10) for _ in range(size)])
        for index in range(size):
            kr = world.kr(goal, index)
            ceo.call(
                "put",
                f"/key-results/{kr.pk}/source",
                {"connection": connection.pk, "mode": "jira_count", "query": JQL},
            )
        run = SyncRun.objects.create(
            organisation_id=goal.organisation_id,
            binding=Binding.objects.filter(key_result__goal=goal).first(),
            idempotency_key="manual:x",
            trigger="manual",
        )
        run_sync(run.pk)
        with CaptureQueriesContext(db) as detail:
            status, body = ceo.call("get", f"/goals/{goal.pk}")
        assert status == 200
        assert all(kr["source"]["mode"] == "jira_count" for kr in body["key_results"])
        with CaptureQueriesContext(db) as listing:
            status, page = ceo.call("get", "/goals?limit=50")
        assert status == 200
        assert sum(kr["source"] is not None for g in page["items"] for kr in g["key_results"]) == (
            1 + size if size == 5 else 1
        )
        counts.append((len(detail.captured_queries), len(listing.captured_queries)))
    assert counts[0] == counts[1], counts
