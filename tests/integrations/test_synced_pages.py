"""Key results synced from a data source, as the pages show them: marked "Synced from …" in the
goal list, the tree, the batch check-in and the goal page; no value typed by hand where the next
sync would overwrite it; "last synced" beside how long the value stayed; previews in plain words.
And a connection test that cannot reach the service: marked failed, with the time, in the list."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cascade.core import clock
from cascade.goals.models import CheckIn
from cascade.integrations import services
from cascade.integrations.models import Binding, Connection, ConnectionStatus, SyncRun
from cascade.integrations.runs import run_sync
from cascade.integrations.scheduling import due_bindings
from tests.builders import metric
from tests.integrations.conftest import JQL, text_of, url


def sync(kr) -> SyncRun:
    run = SyncRun.objects.create(
        organisation_id=kr.organisation_id,
        binding=Binding.objects.get(key_result=kr),
        idempotency_key=f"manual:{clock.now().isoformat()}",
        trigger="manual",
    )
    run_sync(run.pk)
    return SyncRun.objects.get(pk=run.pk)


@pytest.fixture
def synced(world, connect, jira_cloud):
    """The CEO's "Ship onboarding" with a KR synced from Jira (5 issues done) and one by hand."""
    connection = connect.jira_cloud(jira_cloud)
    goal = world.goal(
        "Ship onboarding", krs=[metric(0, 10, title="Steps shipped"), metric(0, 10, title="Docs")]
    )
    kr = world.kr(goal)
    services.bind_key_result(
        actor=world.ceo, key_result=kr, connection=connection, mode="jira_count", query=JQL
    )
    assert sync(kr).status == "succeeded"
    kr.refresh_from_db()
    assert kr.current == 5
    plain = world.goal("Hire people", krs=[metric(0, 10)])
    return goal, kr, world.kr(goal, 1), plain


def test_the_goal_list_and_the_tree_mark_goals_with_synced_key_results(signed_in, world, synced):
    goal, _, _, plain = synced
    listing = signed_in.get(url(world, f"goals/?period={world.period.pk}")).text
    [row] = [r for r in listing.split("<tr>") if f"goals/{goal.pk}/" in r]
    assert "Synced from Jira" in row
    [other] = [r for r in listing.split("<tr>") if f"goals/{plain.pk}/" in r]
    assert "Synced from" not in other
    tree = signed_in.get(url(world, f"tree/?period={world.period.pk}")).text
    assert tree.count("Synced from Jira") == 1


def test_the_batch_check_in_offers_no_value_for_a_synced_key_result(signed_in, world, synced):
    _, kr, by_hand, _ = synced
    page = signed_in.get(url(world, "check-in/")).text
    row = page.split(f'id="row-{kr.pk}"')[1].split("</tr>")[0]
    assert "Synced from Jira" in row
    assert f'name="kr{kr.pk}-value"' not in row
    assert f'name="kr{kr.pk}-confidence"' in row  # a confidence or a note still goes in
    other = page.split(f'id="row-{by_hand.pk}"')[1].split("</tr>")[0]
    assert f'name="kr{by_hand.pk}-value"' in other

    # A value posted anyway (an old page) is not taken: the confidence is, with the synced value.
    answer = signed_in.post(
        url(world, "check-in/"), {f"kr{kr.pk}-value": "9", f"kr{kr.pk}-confidence": "4"}
    )
    assert answer.status_code == 200
    latest = CheckIn.objects.filter(key_result=kr).latest("created_at")
    assert (latest.value, latest.confidence) == (5, 4)


def test_the_goal_page_offers_no_value_for_a_synced_key_result(signed_in, world, synced):
    goal, kr, by_hand, _ = synced
    page = signed_in.get(url(world, f"goals/{goal.pk}/")).text
    row = page.split(f'id="kr-{kr.pk}"')[1].split("</tr>")[0]
    assert "Synced from Jira Cloud" in row
    assert f'name="kr{kr.pk}-value"' not in row
    assert "Value from Jira Cloud; add a confidence or a note" in text_of(row)
    assert f'name="kr{by_hand.pk}-value"' in page

    # The inline check-in refuses a typed value the same way.
    signed_in.post(url(world, f"key-results/{kr.pk}/check-in/"), {f"kr{kr.pk}-value": "8"})
    kr.refresh_from_db()
    assert kr.current == 5


def test_last_synced_and_the_last_change_do_not_contradict(signed_in, world, synced):
    goal, kr, _, _ = synced
    # The value was checked in three days ago; a sync now brings the same value: no check-in,
    # but a newer "last synced".
    three_days_ago = clock.now() - timedelta(days=3)
    CheckIn.objects.filter(key_result=kr).update(created_at=three_days_ago)
    type(kr).objects.filter(pk=kr.pk).update(last_checkin_at=three_days_ago)
    assert sync(kr).changed is False
    row = text_of(signed_in.get(url(world, f"goals/{goal.pk}/")).text)
    row = row.split("Steps shipped")[1].split("Docs")[0]
    assert "last synced now, value unchanged for 3 days" in row
    assert "updated 3 days ago" not in row  # no second clock that seems to disagree


def test_a_soql_preview_names_the_expression_not_expr0(signed_in, world, connect, salesforce):
    connection = connect.salesforce(salesforce)
    goal = world.goal("Win deals", krs=[metric(0, 100_000)])
    kr = world.kr(goal)
    page = url(world, f"key-results/{kr.pk}/data-source/")
    form = {
        "connection": connection.pk,
        "mode": "soql_scalar",
        "query": "SELECT SUM(Amount) FROM Opportunity WHERE StageName = 'Closed Won'",
        "interval_minutes": 60,
        "action": "preview",
    }
    preview = text_of(signed_in.post(page, form).text)
    assert "It gives" in preview
    assert "(the query's SUM(Amount))" in preview
    assert "expr0" not in preview
    assert "first row" not in preview
    report = text_of(
        signed_in.post(page, {**form, "mode": "report_aggregate", "query": "00O5e000008PIPE"}).text
    )
    assert "(grand total of Sum of Amount in the report Open pipeline)" in report


def test_a_failed_connection_test_marks_the_connection_failed(
    signed_in, world, connect, jira_cloud
):
    connection = connect.jira_cloud(jira_cloud)
    assert services.try_connection(actor=world.ceo, connection=connection).ok
    jira_cloud.stop()  # nothing answers at its address any more
    tested = signed_in.post(url(world, f"settings/connections/{connection.pk}/test/"), follow=True)
    shown = text_of(tested.text)
    assert "The test failed. Could not reach Jira Cloud at 127.0.0.1:" in shown
    assert "said:" not in shown
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.FAILED
    assert connection.last_tested_at is not None
    assert connection.status_changed_at == connection.last_tested_at
    assert "The last test failed now." in shown

    listing = text_of(signed_in.get(url(world, "settings/connections/")).text)
    assert "Test failed tested now Could not reach Jira Cloud" in listing
    assert "Working" not in listing
    # Unlike refused credentials, a failed test does not stop the syncs.
    assert Connection.objects.filter(bindings__isnull=True).count() == 1
    assert not connection.needs_attention


def test_a_sync_that_works_clears_a_failed_test(world, connect, jira_cloud):
    connection = connect.jira_cloud(jira_cloud)
    goal = world.goal("Ship onboarding", krs=[metric(0, 10)])
    kr = world.kr(goal)
    services.bind_key_result(
        actor=world.ceo, key_result=kr, connection=connection, mode="jira_count", query=JQL
    )
    Connection.objects.filter(pk=connection.pk).update(
        status=ConnectionStatus.FAILED, status_message="Could not reach Jira Cloud"
    )
    assert Binding.objects.filter(due_bindings(clock.now() + timedelta(hours=2))).exists()
    assert sync(kr).status == "succeeded"
    connection.refresh_from_db()
    assert (connection.status, connection.status_message) == ("ok", "")
