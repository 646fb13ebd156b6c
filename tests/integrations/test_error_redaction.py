"""A data source's error text names no machine to ordinary members: host names, URLs and IP
addresses are hidden on the goal page, the data-source page and in the API; super users read
the text whole (issue 10, item 8)."""

from __future__ import annotations

import socket

import pytest

from cascade.integrations import services
from cascade.integrations.models import Binding, SyncRun
from cascade.integrations.redaction import HIDDEN, redact
from cascade.integrations.runs import run_sync
from tests.builders import metric
from tests.integrations.conftest import JIRA_EMAIL, JIRA_TOKEN, text_of, url

INTERNAL = (
    "Could not reach Jira at jira.corp.internal:8443 (proxy http://proxy.corp:3128/ via "
    "10.20.30.40, [fd00::17]:443): [Errno 111] Connection refused"
)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (
            "Could not reach Jira at jira.corp.internal: refused",
            f"Could not reach Jira at {HIDDEN}: refused",
        ),
        ("see https://jira.example.com/rest/api/3/search?x=1 now", f"see {HIDDEN} now"),
        ("host='10.0.3.7', port=8443", f"host='{HIDDEN}', port=8443"),
        ("from 2001:db8::ff00:42:8329 and [fe80::1%eth0]:443", f"from {HIDDEN} and {HIDDEN}"),
        ("jira-dc:8443 said no", f"{HIDDEN} said no"),
        ("Could not reach Jira at jira.", f"Could not reach Jira at {HIDDEN}."),
        # What the owner needs to fix the query stays.
        (
            "Field 'customfield_10016' does not exist. ERROR at Row:1:Column:38",
            "Field 'customfield_10016' does not exist. ERROR at Row:1:Column:38",
        ),
        (
            "No such column 'Amont' on Opportunity.Amount",
            "No such column 'Amont' on Opportunity.Amount",
        ),
        ("Value 3.5 at 10:30:00, e.g. version 1.2.3", "Value 3.5 at 10:30:00, e.g. version 1.2.3"),
    ],
)
def test_redact_hides_addresses_and_keeps_the_rest(text, shown):
    assert redact(text, ["jira"]) == shown


def test_the_connections_own_host_is_hidden_even_without_a_dot():
    assert redact("Could not reach Jira at jira: refused", ["jira"]) == (
        f"Could not reach Jira at {HIDDEN}: refused"
    )
    assert (
        redact("Could not reach Jira at jira: refused") == "Could not reach Jira at jira: refused"
    )


@pytest.fixture
def failing(world, connect, jira_cloud):
    """Olive's key result, bound to Jira, whose last sync failed with INTERNAL."""
    connection = connect.jira_cloud(jira_cloud)
    owner = world.person("Olive Owner", manager=world.ceo)
    goal = world.goal("Ship onboarding", owner=owner, krs=[metric(0, 10)])
    kr = world.kr(goal)
    services.bind_key_result(
        actor=owner, key_result=kr, connection=connection, mode="jira_count", query="x = 1"
    )
    binding = Binding.objects.get()
    run = SyncRun.objects.create(
        organisation_id=kr.organisation_id,
        binding=binding,
        idempotency_key="manual:t",
        trigger="manual",
        status="failed",
        error=INTERNAL,
        error_kind="network",
    )
    Binding.objects.filter(pk=binding.pk).update(
        last_error=INTERNAL, last_error_kind="network", last_error_at=run.queued_at, last_run=run
    )
    return owner, goal, kr


def leaks(text: str) -> list[str]:
    return [part for part in ("jira.corp", "proxy.corp", "10.20.30.40", "fd00::17") if part in text]


def test_members_read_the_error_without_addresses_on_the_pages(client, world, failing):
    owner, goal, kr = failing
    client.force_login(owner.user)
    for path in (f"goals/{goal.pk}/", f"key-results/{kr.pk}/data-source/"):
        page = text_of(client.get(url(world, path)).text)
        assert "Last sync failed" in page, path
        assert "Connection refused" in page, path
        assert HIDDEN in page, path
        assert leaks(page) == [], path


def test_super_users_read_the_error_whole(client, world, failing):
    _, goal, kr = failing
    client.force_login(world.ceo.user)
    for path in (f"goals/{goal.pk}/", f"key-results/{kr.pk}/data-source/"):
        page = text_of(client.get(url(world, path)).text)
        assert len(leaks(page)) == 4, path
    api = client.get(f"/api/v1/key-results/{kr.pk}").json()
    assert api["source"]["last_error"] == INTERNAL


def test_members_read_the_error_without_addresses_in_the_api(client, world, failing):
    owner, goal, kr = failing
    client.force_login(owner.user)
    reads = [
        client.get(f"/api/v1/key-results/{kr.pk}").json()["source"]["last_error"],
        client.get(f"/api/v1/goals/{goal.pk}").json()["key_results"][0]["source"]["last_error"],
        client.get(f"/api/v1/key-results/{kr.pk}/source").json()["last_error"],
        client.get(f"/api/v1/key-results/{kr.pk}/source/runs").json()["items"][0]["error"],
    ]
    for text in reads:
        assert "Connection refused" in text
        assert HIDDEN in text
        assert leaks(text) == []


def test_a_real_network_error_is_hidden_from_members(client, world, connect):
    """End to end: Jira at a port where nothing listens; the client's own message names it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    connection = services.create_connection(
        actor=world.ceo,
        service="jira_cloud",
        name="Jira",
        base_url=f"http://localhost:{port}",
        username=JIRA_EMAIL,
        secret=JIRA_TOKEN,
    )
    owner = world.person("Olive Owner", manager=world.ceo)
    goal = world.goal("Ship onboarding", owner=owner, krs=[metric(0, 10)])
    kr = world.kr(goal)
    services.bind_key_result(
        actor=owner, key_result=kr, connection=connection, mode="jira_count", query="x = 1"
    )
    run = SyncRun.objects.create(
        organisation_id=kr.organisation_id,
        binding=Binding.objects.get(),
        idempotency_key="manual:t",
        trigger="manual",
    )
    run_sync(run.pk)
    run.refresh_from_db()
    assert f"localhost:{port}" in run.error  # stored whole
    client.force_login(owner.user)
    shown = client.get(f"/api/v1/key-results/{kr.pk}/source/runs").json()["items"][0]["error"]
    assert "localhost" not in shown
    assert str(port) not in shown
    assert shown == f"Could not reach Jira Cloud at {HIDDEN}: [Errno 111] Connection refused"
