"""The data sources on the web: connections under Settings, and a key result's source on its
goal page — bound to what, last synced when, the last error, "Sync now", bind with a preview."""

from __future__ import annotations

import re

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext

from cascade.integrations import services
from cascade.integrations.models import Binding, Connection, SyncRun
from cascade.integrations.runs import run_sync
from tests.builders import metric
from tests.integrations.conftest import (
    JIRA_EMAIL,
    JIRA_TOKEN,
    JQL,
    PASSWORD,
    SF_CLIENT_ID,
    SF_USER,
    private_key_pem,
    text_of,
    url,
)


def test_settings_link_to_the_connections_page(signed_in, world):
    overview = signed_in.get(url(world, "settings/"))
    assert url(world, "settings/connections/") in overview.text
    page = signed_in.get(url(world, "settings/connections/"))
    assert page.status_code == 200
    assert "No connections yet" in page.text
    assert 'aria-current="page">Settings' in page.text


def test_add_test_and_change_a_jira_connection(signed_in, world, jira_cloud):
    form = {
        "name": "Acme Jira",
        "base_url": jira_cloud.url,
        "username": JIRA_EMAIL,
        "secret": JIRA_TOKEN,
    }
    answer = signed_in.post(url(world, "settings/connections/new/jira_cloud/"), form)
    assert answer.status_code == 302
    connection = Connection.objects.get()
    detail = signed_in.get(answer.url)
    assert "Acme Jira" in detail.text
    assert JIRA_TOKEN not in detail.text  # write-only
    assert "Not tested yet" in detail.text

    tested = signed_in.post(url(world, f"settings/connections/{connection.pk}/test/"), follow=True)
    assert "It works. Signed in: Cascade (fake Jira Cloud)." in tested.text
    assert Connection.objects.get().status == "ok"

    # A blank secret keeps the stored one.
    form.update(name="Jira Cloud", secret="")
    assert (
        signed_in.post(url(world, f"settings/connections/{connection.pk}/"), form).status_code
        == 302
    )
    assert services.try_connection(actor=world.ceo, connection=connection).ok

    # A wrong token: Jira's own words, and the connection needs attention.
    form.update(secret="wrong")
    signed_in.post(url(world, f"settings/connections/{connection.pk}/"), form)
    tested = signed_in.post(url(world, f"settings/connections/{connection.pk}/test/"), follow=True)
    assert "Jira Cloud said: You are not authenticated." in tested.text
    assert "Syncing is paused" in tested.text
    assert "(request 6" in tested.text  # Jira's X-AREQUESTID


def test_connection_forms_show_errors_next_to_fields(signed_in, world):
    answer = signed_in.post(
        url(world, "settings/connections/new/jira_cloud/"),
        {
            "name": "Jira",
            "base_url": "http://jira.example.com",
            "username": "not-an-email",
            "secret": "",
        },
    )
    assert answer.status_code == 400
    text = text_of(answer.text)
    assert "Use https://" in text
    assert "Enter the email address of the Atlassian account." in text
    assert "Cascade cannot sign in without it" in text
    assert not Connection.objects.exists()
    assert signed_in.get(url(world, "settings/connections/new/github/")).status_code == 404


def test_add_a_salesforce_jwt_connection(signed_in, world, salesforce, jwt_key):
    form = {
        "name": "Salesforce",
        "base_url": salesforce.url,
        "auth_method": "jwt_bearer",
        "client_id": SF_CLIENT_ID,
        "username": SF_USER,
        "api_version": "v62.0",
        "private_key": "not a key",
    }
    answer = signed_in.post(url(world, "settings/connections/new/salesforce/"), form)
    assert answer.status_code == 400
    assert "unencrypted PEM private key" in answer.text
    form["private_key"] = jwt_key
    answer = signed_in.post(url(world, "settings/connections/new/salesforce/"), form)
    assert answer.status_code == 302
    connection = Connection.objects.get()
    assert (connection.auth_method, connection.username) == ("jwt_bearer", SF_USER)
    tested = signed_in.post(url(world, f"settings/connections/{connection.pk}/test/"), follow=True)
    assert "It works." in tested.text
    assert "BEGIN PRIVATE KEY" not in signed_in.get(answer.url).text


def key_lines(pem: str) -> list[str]:
    """The base64 lines of a PEM key: none of them may appear in a page."""
    return [line for line in pem.strip().splitlines() if not line.startswith("-----")]


def assert_no_key(html: str, pem: str) -> None:
    assert not [line for line in key_lines(pem) if line in html]
    [textarea] = re.findall(r'<textarea[^>]*name="private_key"[^>]*>(.*?)</textarea>', html, re.S)
    assert textarea.strip() == ""


@pytest.mark.parametrize("problem", ["address", "name"])
def test_a_refused_new_salesforce_connection_does_not_show_the_key_again(
    signed_in, world, connect, salesforce, jwt_key, problem
):
    """The form is valid, the services refuse it (an ftp:// address, a name taken): the page
    comes back with the other fields filled in and the private key's box empty."""
    connect.salesforce(salesforce, name="Taken")
    form = {
        "name": "Taken" if problem == "name" else "Salesforce",
        "base_url": "ftp://acme.my.salesforce.com" if problem == "address" else salesforce.url,
        "auth_method": "jwt_bearer",
        "client_id": SF_CLIENT_ID,
        "username": SF_USER,
        "api_version": "v62.0",
        "private_key": jwt_key,
        "client_secret": "typed-but-unused-secret",
    }
    answer = signed_in.post(url(world, "settings/connections/new/salesforce/"), form)
    assert answer.status_code == 400
    expected = "Enter the full address" if problem == "address" else "already has this name"
    assert expected in answer.text
    assert SF_USER in answer.text  # what is not secret is kept
    assert_no_key(answer.text, jwt_key)
    assert "typed-but-unused-secret" not in answer.text
    assert Connection.objects.count() == 1


@pytest.mark.parametrize("problem", ["address", "name"])
def test_a_refused_change_of_a_salesforce_connection_does_not_show_the_key_again(
    signed_in, world, connect, salesforce, jwt_key, problem
):
    connect.salesforce(salesforce, name="Taken")
    connection = connect.salesforce_jwt(salesforce, jwt_key)
    new_key = private_key_pem()
    form = {
        "name": "Taken" if problem == "name" else connection.name,
        "base_url": "ftp://acme.my.salesforce.com" if problem == "address" else salesforce.url,
        "auth_method": "jwt_bearer",
        "client_id": SF_CLIENT_ID,
        "username": SF_USER,
        "api_version": "v62.0",
        "private_key": new_key,
    }
    answer = signed_in.post(url(world, f"settings/connections/{connection.pk}/"), form)
    assert answer.status_code == 400
    assert_no_key(answer.text, new_key)
    assert_no_key(answer.text, jwt_key)
    connection.refresh_from_db()
    assert connection.name == "Salesforce JWT"  # nothing was saved


def test_bind_with_a_preview_then_sync_now(signed_in, world, connect, jira_cloud):
    connection = connect.jira_cloud(jira_cloud)
    goal = world.goal("Ship onboarding", krs=[metric(0, 10)])
    kr = world.kr(goal)
    goal_page = signed_in.get(url(world, f"goals/{goal.pk}/"))
    assert "Take the value from a data source" in goal_page.text
    page = url(world, f"key-results/{kr.pk}/data-source/")
    form = {
        "connection": connection.pk,
        "mode": "jira_count",
        "query": "project = ONB AND sprint = 1",
        "interval_minutes": 30,
    }

    refused = signed_in.post(page, {**form, "action": "preview"})
    assert "The query fails now:" in refused.text
    assert "Field &#x27;sprint&#x27; does not exist" in refused.text
    preview = signed_in.post(page, {**form, "query": JQL, "action": "preview"})
    assert "It gives 5 now" in text_of(preview.text)
    assert not Binding.objects.exists()  # a preview saves nothing

    saved = signed_in.post(page, {**form, "query": JQL, "action": "save"})
    assert saved.status_code == 302
    binding = Binding.objects.get()
    assert (binding.interval_minutes, binding.query) == (30, JQL)

    goal_page = text_of(signed_in.get(url(world, f"goals/{goal.pk}/")).text)
    assert "Jira Cloud Jira · Jira: number of issues · not synced yet" in goal_page

    signed_in.post(url(world, f"key-results/{kr.pk}/data-source/sync/"))
    run = SyncRun.objects.get(trigger="manual")
    again = signed_in.post(url(world, f"key-results/{kr.pk}/data-source/sync/"), follow=True)
    assert "already on its way" in again.text
    assert SyncRun.objects.filter(trigger="manual").count() == 1
    assert "syncing…" in signed_in.get(url(world, f"goals/{goal.pk}/")).text
    run_sync(run.pk)
    goal_page = text_of(signed_in.get(url(world, f"goals/{goal.pk}/")).text)
    assert "last synced now" in goal_page
    assert "not synced yet" not in goal_page
    history = text_of(signed_in.get(page).text)
    assert "Recent syncs" in history
    assert "Sync now Succeeded · checked in 5 1" in history


def test_the_goal_page_shows_the_last_error_and_sync_now_to_the_owner(
    client, world, connect, jira_cloud
):
    connection = connect.jira_cloud(jira_cloud)
    owner = world.person("Olive Owner", manager=world.ceo)
    reader = world.person("Rita Reader", manager=world.ceo)
    goal = world.goal("Ship onboarding", owner=owner, krs=[metric(0, 10)])
    kr = world.kr(goal)
    services.bind_key_result(
        actor=owner,
        key_result=kr,
        connection=connection,
        mode="jira_count",
        query="status = Nope AND x = 1",
    )
    run = SyncRun.objects.create(
        organisation_id=kr.organisation_id,
        binding=Binding.objects.get(),
        idempotency_key="manual:t",
        trigger="manual",
    )
    run_sync(run.pk)
    client.login(username=owner.user.email, password=PASSWORD)
    mine = text_of(client.get(url(world, f"goals/{goal.pk}/")).text)
    assert "Last sync failed" in mine
    assert "Field 'x' does not exist" in mine.replace("&#x27;", "'")
    client.logout()
    client.login(username=reader.user.email, password=PASSWORD)
    theirs = text_of(client.get(url(world, f"goals/{goal.pk}/")).text)
    assert "Last sync failed" in theirs  # why the number is stale, for whoever sees the goal
    assert "Field 'x' does not exist" in theirs.replace("&#x27;", "'")
    assert "Sync now" not in theirs
    assert "Data source…" not in theirs


def test_the_goal_page_says_when_the_connection_needs_attention(
    signed_in, world, connect, jira_cloud
):
    connection = connect.jira_cloud(jira_cloud)
    goal = world.goal("Ship onboarding", krs=[metric(0, 10)])
    services.bind_key_result(
        actor=world.ceo,
        key_result=world.kr(goal),
        connection=connection,
        mode="jira_count",
        query=JQL,
    )
    Connection.objects.filter(pk=connection.pk).update(
        status="needs_attention", status_message="401"
    )
    page = text_of(signed_in.get(url(world, f"goals/{goal.pk}/")).text)
    assert "The connection needs attention, so syncing is paused: fix it" in page


def test_the_goal_page_runs_a_fixed_number_of_queries_with_sources(
    signed_in, world, connect, jira_cloud
):
    connection = connect.jira_cloud(jira_cloud)
    counts = []
    for size in (1, 6):
        goal = world.goal(f"Goal with {size}", krs=[metric(0, 10) for _ in range(size)])
        for index in range(size):
            kr = world.kr(goal, index)
            services.bind_key_result(
                actor=world.ceo, key_result=kr, connection=connection, mode="jira_count", query=JQL
            )
            run = SyncRun.objects.create(
                organisation_id=kr.organisation_id,
                binding=kr.data_source,
                idempotency_key="manual:x",
                trigger="manual",
            )
            run_sync(run.pk)
        with CaptureQueriesContext(db) as captured:
            assert signed_in.get(url(world, f"goals/{goal.pk}/")).status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1], counts
