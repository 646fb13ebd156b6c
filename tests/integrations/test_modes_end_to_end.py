"""Every mode, end to end: binding → the real worker → a check-in → the senior goal's progress.

The worker is ``cascade worker --batch`` (django-tasks-db's worker loop, one batch), talking to
the fake services over HTTP. The tests commit for real (the worker checks its connections
between tasks, as in production), so they run with ``transaction=True``.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from cascade.goals.models import CheckIn, KeyResult
from cascade.integrations import services
from cascade.integrations.clients import salesforce as salesforce_module
from cascade.integrations.clients.salesforce import (
    ClientCredentials,
    MemoryTokenCache,
    SalesforceClient,
)
from cascade.integrations.errors import ErrorKind, SyncError
from cascade.integrations.models import Binding, RunStatus, SyncRun
from tests.builders import approx, metric, progress
from tests.integrations.conftest import REPORT_ID, SF_CLIENT_ID, SF_SECRET, run_worker

pytestmark = pytest.mark.django_db(transaction=True)

DONE_SETUP_STEPS = "project = ONB AND labels = setup-step AND statusCategory = Done"


def tree(world, kr: dict):
    """A company goal (its own KR at 0) above a team goal whose one KR is to be bound."""
    company = world.goal("Company", krs=[metric(0, 100)])
    owner = world.person("Tess Team", manager=world.ceo)
    team = world.goal("Team", owner=owner, krs=[kr], under={company: 1})
    return company, team, world.kr(team), owner


def bind_and_sync(owner, kr, connection, mode, query, field=""):
    services.bind_key_result(
        actor=owner, key_result=kr, connection=connection, mode=mode, query=query, field=field
    )
    run_worker()
    return SyncRun.objects.get(binding__key_result=kr)


def assert_synced(run, kr, value, company, team, team_progress):
    assert run.status == RunStatus.SUCCEEDED, (run.error_kind, run.error)
    assert run.value == Decimal(value)
    assert run.changed
    assert run.attempt == 1
    assert run.request_id
    checkin = CheckIn.objects.get(key_result=kr)
    assert (checkin.source, checkin.run_id, checkin.author) == ("connector", str(run.pk), None)
    assert checkin.value == Decimal(value)
    assert KeyResult.objects.get(pk=kr.pk).current == Decimal(value)
    assert progress(team) == approx(team_progress)
    assert progress(company) == approx(team_progress / 2)
    binding = Binding.objects.get(key_result=kr)
    assert binding.last_value == Decimal(value)
    assert binding.last_synced_at
    assert not binding.last_error


@pytest.mark.parametrize("flavour", ["cloud", "dc"])
def test_jira_count(world, connect, jira_cloud, jira_dc, flavour):
    fake = jira_cloud if flavour == "cloud" else jira_dc
    connection = connect.jira_cloud(fake) if flavour == "cloud" else connect.jira_dc(fake)
    company, team, kr, owner = tree(world, metric(0, 10))
    run = bind_and_sync(owner, kr, connection, "jira_count", DONE_SETUP_STEPS)
    assert_synced(run, kr, 5, company, team, 0.5)
    if flavour == "cloud":
        assert "/rest/api/3/search/approximate-count" in fake.paths()
    else:
        [count] = [s for s in fake.requests if s.path == "/rest/api/2/search"]
        assert count.arg("maxResults") == "0"


@pytest.mark.parametrize("flavour", ["cloud", "dc"])
def test_jira_done_over_total_is_a_percentage(world, connect, jira_cloud, jira_dc, flavour):
    fake = jira_cloud if flavour == "cloud" else jira_dc
    connection = connect.jira_cloud(fake) if flavour == "cloud" else connect.jira_dc(fake)
    company, team, kr, owner = tree(world, metric(0, 100, unit="%"))
    run = bind_and_sync(
        owner,
        kr,
        connection,
        "jira_done_ratio",
        "project = ONB AND labels = setup-step ORDER BY rank",
    )
    assert_synced(run, kr, "62.5", company, team, 0.625)  # 5 of 8
    assert run.detail == "5 done of 8 issues"


@pytest.mark.parametrize("flavour", ["cloud", "dc"])
def test_jira_sum_of_story_points_pages_through_every_issue(
    world, connect, jira_cloud, jira_dc, flavour
):
    fake = jira_cloud if flavour == "cloud" else jira_dc
    connection = connect.jira_cloud(fake) if flavour == "cloud" else connect.jira_dc(fake)
    company, team, kr, owner = tree(world, metric(0, 132))
    run = bind_and_sync(owner, kr, connection, "jira_sum", "project = ONB", "customfield_10016")
    assert_synced(run, kr, 66, company, team, 0.5)  # 1 + … + 11; ONB-12 has no estimate
    searches = [s for s in fake.requests if "search" in s.path]
    assert len(searches) == 3  # 12 issues, 5 a page
    if flavour == "cloud":
        assert {s.path for s in searches} == {"/rest/api/3/search/jql"}
        assert "nextPageToken" not in searches[0].json()
        assert all("nextPageToken" in s.json() for s in searches[1:])
    else:
        assert [s.json()["startAt"] for s in searches] == [0, 5, 10]


def test_salesforce_soql_aggregate(world, connect, salesforce):
    connection = connect.salesforce(salesforce)
    company, team, kr, owner = tree(world, metric(0, 180_000))
    soql = "SELECT SUM(Amount) FROM Opportunity WHERE StageName = 'Closed Won' AND CloseDate = THIS_QUARTER"
    run = bind_and_sync(owner, kr, connection, "soql_scalar", soql)
    assert_synced(run, kr, 90_000, company, team, 0.5)  # deals 1, 3 and 5


def test_salesforce_soql_count_uses_total_size(world, connect, salesforce):
    connection = connect.salesforce(salesforce)
    company, team, kr, owner = tree(world, metric(0, 8))
    run = bind_and_sync(
        owner,
        kr,
        connection,
        "soql_scalar",
        "SELECT COUNT() FROM Opportunity WHERE Region__c = 'DACH'",
    )
    assert_synced(run, kr, 4, company, team, 0.5)


def test_salesforce_soql_first_row_of_a_plain_query(world, connect, salesforce):
    """Batches of two: the first row is in the first batch, and no further batch is asked for."""
    connection = connect.salesforce(salesforce)
    company, team, kr, owner = tree(world, metric(0, 120_000))
    run = bind_and_sync(
        owner,
        kr,
        connection,
        "soql_scalar",
        "SELECT Amount, Name FROM Opportunity WHERE StageName = 'Prospecting' ORDER BY Amount DESC",
    )
    assert_synced(run, kr, 60_000, company, team, 0.5)
    assert not any(p.startswith("/services/data/v62.0/query/") for p in salesforce.paths())


def test_salesforce_report_grand_total(world, connect, salesforce):
    connection = connect.salesforce(salesforce)
    company, team, kr, owner = tree(world, metric(0, 240_000))
    run = bind_and_sync(owner, kr, connection, "report_aggregate", REPORT_ID)
    assert_synced(run, kr, 120_000, company, team, 0.5)  # the open deals 2, 4 and 6
    assert any(
        p.startswith(f"/services/data/v62.0/analytics/reports/{REPORT_ID}")
        for p in salesforce.paths()
    )


def test_salesforce_report_named_aggregate(world, connect, salesforce):
    connection = connect.salesforce(salesforce)
    company, team, kr, owner = tree(world, metric(0, 6))
    run = bind_and_sync(owner, kr, connection, "report_aggregate", REPORT_ID, "RowCount")
    assert_synced(run, kr, 3, company, team, 0.5)


def test_salesforce_jwt_bearer_flow(world, connect, salesforce, jwt_key):
    connection = connect.salesforce_jwt(salesforce, jwt_key)
    company, team, kr, owner = tree(world, metric(0, 8))
    run = bind_and_sync(
        owner,
        kr,
        connection,
        "soql_scalar",
        "SELECT COUNT() FROM Opportunity WHERE Region__c = 'DACH'",
    )
    assert_synced(run, kr, 4, company, team, 0.5)
    [sign_in] = [s for s in salesforce.requests if s.path == "/services/oauth2/token"]
    assert sign_in.form()["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"


# --------------------------------------------------------------------------- Salesforce paging


def salesforce_client(fake) -> SalesforceClient:
    return SalesforceClient(
        fake.url, ClientCredentials(SF_CLIENT_ID, SF_SECRET), MemoryTokenCache()
    )


def test_the_salesforce_client_follows_next_records_url_to_the_last_batch(salesforce):
    """Seven opportunities in batches of two: four batches, the last three at nextRecordsUrl."""
    with salesforce_client(salesforce) as client:
        batches = list(client.pages("SELECT Id, Amount FROM Opportunity ORDER BY Amount"))
    ids = [record["Id"] for body, _ in batches for record in body["records"]]
    assert ids == [f"006FAKE{n:011d}" for n in range(1, 8)]
    assert [body["done"] for body, _ in batches] == [False, False, False, True]
    queries = [s for s in salesforce.requests if s.path.startswith("/services/data/v62.0/query")]
    assert [s.path for s in queries[1:]] == [
        batches[0][0]["nextRecordsUrl"],
        batches[1][0]["nextRecordsUrl"],
        batches[2][0]["nextRecordsUrl"],
    ]
    assert all(s.path.startswith("/services/data/v62.0/query/01gFAKE") for s in queries[1:])
    assert all(s.headers["authorization"].startswith("Bearer ") for s in queries)
    assert len({rid for _, rid in batches}) == 4  # each batch's own request id
    assert salesforce.sign_ins == 1


def test_a_salesforce_answer_past_the_page_cap_is_refused(salesforce, monkeypatch):
    monkeypatch.setattr(salesforce_module, "MAX_PAGES", 2)
    with salesforce_client(salesforce) as client, pytest.raises(SyncError) as refused:
        list(client.pages("SELECT Id FROM Opportunity"))
    assert refused.value.kind == ErrorKind.BAD_QUERY
    assert "runs past 2 pages" in str(refused.value)
    assert len([p for p in salesforce.paths() if p.startswith("/services/data/v62.0/query")]) == 2


def test_a_soql_value_is_read_from_the_next_batch_when_the_first_has_no_row(
    world, connect, salesforce
):
    """Salesforce may answer a batch without records that is not the last: the value is in
    the batch at nextRecordsUrl, which the sync fetches (and no further one)."""
    connection = connect.salesforce(salesforce)
    company, team, kr, owner = tree(world, metric(0, 180_000))
    salesforce.cursors["01gTEST00000001"] = [
        {"attributes": {"type": "AggregateResult"}, "expr0": 90_000.0}
    ]
    next_url = "/services/data/v62.0/query/01gTEST00000001-0"
    salesforce.fail_next(
        200,
        {"totalSize": 1, "done": False, "records": [], "nextRecordsUrl": next_url},
        path="/services/data/v62.0/query",
    )
    soql = "SELECT SUM(Amount) FROM Opportunity WHERE StageName = 'Closed Won'"
    run = bind_and_sync(owner, kr, connection, "soql_scalar", soql)
    assert_synced(run, kr, 90_000, company, team, 0.5)
    queries = [p for p in salesforce.paths() if p.startswith("/services/data/v62.0/query")]
    assert queries == ["/services/data/v62.0/query", next_url]
