"""Every failure class, through the real worker: the key result keeps its last good value.

* a refused query (Jira 400 ``errorMessages``, Salesforce ``MALFORMED_QUERY``/``INVALID_FIELD``)
  fails at once, is not retried, and is shown to the owner;
* 429 and 503 wait as ``Retry-After`` says (seconds or an HTTP date);
* other 5xx, timeouts and answers that are not JSON back off exponentially with jitter, a
  bounded number of times;
* refused credentials (401/403, ``INVALID_SESSION_ID`` after one new sign-in) mark the connection
  as needing attention, which stops its bindings until a super user fixes it;
* Jira Cloud's removed search API (410) is not retried.
"""

from __future__ import annotations

import email.utils
import socket
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cascade.audit.models import AuditEvent
from cascade.goals.models import CheckIn, KeyResult
from cascade.integrations import retries, scheduling, services
from cascade.integrations.clients import jira
from cascade.integrations.clients.jira import JiraCloudClient, JiraDataCenterClient
from cascade.integrations.errors import ErrorKind, SyncError
from cascade.integrations.models import Binding, Connection, RunStatus, SyncRun
from tests.builders import metric
from tests.integrations.conftest import (
    JIRA_EMAIL,
    JIRA_PAT,
    JIRA_TOKEN,
    JQL,
    let_time_pass,
    run_worker,
)

pytestmark = pytest.mark.django_db(transaction=True)

SOQL = "SELECT COUNT() FROM Opportunity WHERE Region__c = 'DACH'"  # 4


@pytest.fixture
def kr(world):
    goal = world.goal("Ship onboarding", krs=[metric(0, 10)])
    return world.kr(goal)


def bind(world, kr, connection, query=JQL, mode="jira_count"):
    return services.bind_key_result(
        actor=world.ceo, key_result=kr, connection=connection, mode=mode, query=query
    )


def first_good_sync(world, kr, connection, **kw) -> Binding:
    binding = bind(world, kr, connection, **kw)
    run_worker()
    assert KeyResult.objects.get(pk=kr.pk).current is not None
    return binding


def latest_run(kr) -> SyncRun:
    return SyncRun.objects.filter(binding__key_result=kr).order_by("-id").first()


def sync_now(world, kr) -> SyncRun:
    run, _ = services.request_sync(actor=world.ceo, key_result=kr)
    run_worker()
    run.refresh_from_db()
    return run


def deferred_tasks() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(status="READY"))


def current(kr) -> Decimal | None:
    return KeyResult.objects.get(pk=kr.pk).current


# --------------------------------------------------------------------------- refused queries


def test_a_refused_jql_is_shown_and_not_retried_and_the_value_stays(world, connect, jira_cloud, kr):
    connection = connect.jira_cloud(jira_cloud)
    first_good_sync(world, kr, connection)
    assert current(kr) == 5
    bind(world, kr, connection, query="project = ONB AND sprint = 12")
    run_worker()
    run = latest_run(kr)
    assert run.status == RunStatus.FAILED
    assert run.error_kind == "bad_query"
    assert run.attempt == 1
    assert "Field 'sprint' does not exist" in run.error
    assert run.request_id  # X-AREQUESTID of the refusing answer
    assert deferred_tasks() == []  # nothing waits to retry
    binding = Binding.objects.get(key_result=kr)
    assert "sprint" in binding.last_error
    assert binding.last_error_kind == "bad_query"
    assert current(kr) == 5
    assert CheckIn.objects.filter(key_result=kr).count() == 1
    assert Connection.objects.get(pk=connection.pk).status == "ok"


@pytest.mark.parametrize(
    ("soql", "code"),
    [
        ("SELECT SUM(Amount) FROM Opportunity WHERE", "MALFORMED_QUERY"),
        ("SELECT SUM(Revenue__c) FROM Opportunity", "INVALID_FIELD"),
    ],
)
def test_a_refused_soql_is_shown_and_not_retried(world, connect, salesforce, kr, soql, code):
    connection = connect.salesforce(salesforce)
    first_good_sync(world, kr, connection, query=SOQL, mode="soql_scalar")
    bind(world, kr, connection, query=soql, mode="soql_scalar")
    run_worker()
    run = latest_run(kr)
    assert (run.status, run.error_kind, run.attempt) == (RunStatus.FAILED, "bad_query", 1)
    assert run.error.startswith(f"{code}: ")
    assert deferred_tasks() == []
    assert current(kr) == 4


def test_a_missing_report_is_a_refused_query(world, connect, salesforce, kr):
    connection = connect.salesforce(salesforce)
    bind(world, kr, connection, query="00O5e000009NOPE", mode="report_aggregate")
    run_worker()
    run = latest_run(kr)
    assert (run.status, run.error_kind) == (RunStatus.FAILED, "bad_query")
    assert "NOT_FOUND" in run.error
    assert current(kr) is None


# --------------------------------------------------------------------------- waiting and retrying


def test_429_waits_as_retry_after_says_then_succeeds(world, connect, jira_cloud, kr):
    connection = connect.jira_cloud(jira_cloud)
    jira_cloud.fail_next(
        429,
        {"errorMessages": ["Rate limit exceeded."], "errors": {}},
        headers={"Retry-After": "30"},
        path="/rest/api/3/search",
    )
    before = timezone.now()
    bind(world, kr, connection)
    run_worker()
    run = latest_run(kr)
    assert run.status == RunStatus.RETRYING
    assert run.error_kind == "rate_limited"
    assert before + timedelta(seconds=30) <= run.next_attempt_at
    assert run.next_attempt_at <= timezone.now() + timedelta(seconds=31)
    [waiting] = deferred_tasks()
    assert waiting.run_after == run.next_attempt_at
    assert waiting.args_kwargs == {"args": [run.pk], "kwargs": {}}
    assert current(kr) is None

    run_worker()  # not yet: the task waits for its time
    assert latest_run(kr).status == RunStatus.RETRYING

    let_time_pass()
    run_worker()
    run.refresh_from_db()
    assert (run.status, run.attempt, run.value) == (RunStatus.SUCCEEDED, 2, 5)
    assert [a["kind"] for a in run.attempts] == ["rate_limited"]
    assert 30 <= run.attempts[0]["retry_in"] <= 31
    assert current(kr) == 5
    assert CheckIn.objects.get(key_result=kr).run_id == str(run.pk)


def test_retry_after_as_an_http_date(world, connect, salesforce, kr):
    connection = connect.salesforce(salesforce)
    when = timezone.now() + timedelta(seconds=120)
    salesforce.fail_next(
        429,
        [{"message": "Too many requests", "errorCode": "REQUEST_LIMIT_EXCEEDED"}],
        headers={"Retry-After": email.utils.format_datetime(when, usegmt=True)},
        path="/services/data",
    )
    bind(world, kr, connection, query=SOQL, mode="soql_scalar")
    run_worker()
    run = latest_run(kr)
    assert run.status == RunStatus.RETRYING
    assert when - timedelta(seconds=2) <= run.next_attempt_at <= when + timedelta(seconds=2)
    let_time_pass()
    run_worker()
    assert latest_run(kr).status == RunStatus.SUCCEEDED
    assert current(kr) == 4


def test_503_with_retry_after_then_without(world, connect, jira_dc, kr):
    connection = connect.jira_dc(jira_dc)
    jira_dc.fail_next(
        503, "Service Unavailable", headers={"Retry-After": "5"}, path="/rest/api/2/search"
    )
    jira_dc.fail_next(503, {"errorMessages": ["Down for maintenance"]}, path="/rest/api/2/search")
    bind(world, kr, connection)
    run_worker()
    run = latest_run(kr)
    assert (run.status, run.error_kind) == (RunStatus.RETRYING, "unavailable")
    assert 5 <= run.attempts[0]["retry_in"] <= 6
    let_time_pass()
    run_worker()
    run.refresh_from_db()
    assert run.status == RunStatus.RETRYING
    assert run.error == "Down for maintenance"
    # No Retry-After: exponential backoff, between half and all of 60 s for the second attempt.
    assert 30 <= run.attempts[1]["retry_in"] <= 60
    let_time_pass()
    run_worker()
    run.refresh_from_db()
    assert (run.status, run.attempt) == (RunStatus.SUCCEEDED, 3)


def test_5xx_backs_off_exponentially_with_jitter_and_gives_up(world, connect, jira_cloud, kr):
    connection = connect.jira_cloud(jira_cloud)
    first_good_sync(world, kr, connection)
    jira_cloud.fail_next(500, {"errorMessages": ["Internal server error"]}, times=10)
    run, _ = services.request_sync(actor=world.ceo, key_result=kr)
    for _ in range(retries.MAX_ATTEMPTS):
        run_worker()
        let_time_pass()
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert run.attempt == retries.MAX_ATTEMPTS
    assert run.error == f"Internal server error (gave up after {retries.MAX_ATTEMPTS} attempts)"
    waits = [a["retry_in"] for a in run.attempts]
    assert waits[-1] is None
    for attempt, wait in enumerate(waits[:-1], start=1):
        ceiling = retries.BACKOFF_BASE * 2 ** (attempt - 1)
        assert ceiling / 2 <= wait <= ceiling
    assert len(set(waits[:-1])) == len(waits) - 1  # jittered
    assert Binding.objects.get(key_result=kr).last_error_kind == "server_error"
    assert current(kr) == 5  # the last good value


def test_backoff_never_exceeds_its_cap():
    error = SyncError(ErrorKind.TIMEOUT, "slow")
    assert retries.next_delay(error, 50) is None  # bounded attempts
    waits = [retries.next_delay(error, n) for n in range(1, retries.MAX_ATTEMPTS)]
    assert all(w is not None and w <= retries.BACKOFF_CAP for w in waits)
    assert retries.next_delay(SyncError(ErrorKind.BAD_QUERY, "no"), 1) is None
    long_wait = SyncError(ErrorKind.RATE_LIMITED, "wait", retry_after=retries.LONGEST_WAIT + 1)
    assert retries.next_delay(long_wait, 1) is None


def test_a_slow_service_times_out_and_is_retried(world, connect, jira_cloud, kr, short_timeout):
    connection = connect.jira_cloud(jira_cloud)
    jira_cloud.slow_next(short_timeout * 4)
    bind(world, kr, connection)
    run_worker()
    run = latest_run(kr)
    assert (run.status, run.error_kind) == (RunStatus.RETRYING, "timeout")
    assert "did not answer within 0.5 seconds" in run.error
    let_time_pass()
    run_worker()
    assert latest_run(kr).status == RunStatus.SUCCEEDED


@pytest.mark.parametrize("status", [200, 502])
def test_a_garbage_body_is_retried(world, connect, salesforce, kr, status):
    connection = connect.salesforce(salesforce)
    salesforce.garbage_next(status=status, path="/services/data")
    bind(world, kr, connection, query=SOQL, mode="soql_scalar")
    run_worker()
    run = latest_run(kr)
    assert run.status == RunStatus.RETRYING
    assert run.error_kind == ("bad_response" if status == 200 else "server_error")
    let_time_pass()
    run_worker()
    assert latest_run(kr).status == RunStatus.SUCCEEDED


def test_the_removed_search_api_answers_410_and_is_not_retried(world, connect, jira_cloud, kr):
    """A "Data Center" connection pointed at a Jira Cloud site asks /rest/api/2/search: gone."""
    connection = connect.jira_dc(jira_cloud, token="whatever")
    bind(world, kr, connection)
    run_worker()
    run = latest_run(kr)
    assert (run.status, run.error_kind, run.attempt) == (RunStatus.FAILED, "gone", 1)
    assert "The requested API has been removed" in run.error
    assert deferred_tasks() == []


# --------------------------------------------------------------------------- credentials


def test_a_revoked_jira_token_marks_the_connection_and_stops_its_bindings(
    world, connect, jira_cloud, kr
):
    connection = connect.jira_cloud(jira_cloud)
    binding = first_good_sync(world, kr, connection)
    jira_cloud.token = "rotated-by-an-admin"
    run = sync_now(world, kr)
    assert (run.status, run.error_kind) == (RunStatus.FAILED, "auth")
    assert deferred_tasks() == []
    connection.refresh_from_db()
    assert connection.status == "needs_attention"
    assert "not authenticated" in connection.status_message
    assert AuditEvent.objects.filter(kind="connection.needs_attention", actor=None).count() == 1

    # Stopped: no scheduled run, and "sync now" says why.
    Binding.objects.filter(pk=binding.pk).update(next_run_at=timezone.now() - timedelta(hours=1))
    assert scheduling.enqueue_due_syncs() == 0
    with pytest.raises(ValidationError, match="needs attention"):
        services.request_sync(actor=world.ceo, key_result=kr)
    assert current(kr) == 5

    # Fixed by a super user: the binding is due and syncs again.
    services.change_connection(actor=world.ceo, connection=connection, secret="rotated-by-an-admin")
    jira_cloud.issues[5].category = "done"  # a sixth step is done meanwhile
    run_worker()
    assert latest_run(kr).status == RunStatus.SUCCEEDED
    assert current(kr) == 6
    assert Connection.objects.get(pk=connection.pk).status == "ok"


def test_a_403_also_needs_attention(world, connect, jira_dc, kr):
    connection = connect.jira_dc(jira_dc)
    jira_dc.fail_next(403, {"errorMessages": ["You do not have permission to browse ONB."]})
    bind(world, kr, connection)
    run_worker()
    assert latest_run(kr).error_kind == "auth"
    assert Connection.objects.get(pk=connection.pk).status == "needs_attention"


def test_an_expired_salesforce_session_signs_in_again_once(world, connect, salesforce, kr):
    connection = connect.salesforce(salesforce)
    first_good_sync(world, kr, connection, query=SOQL, mode="soql_scalar")
    assert salesforce.sign_ins == 1
    sync_now(world, kr)
    assert salesforce.sign_ins == 1  # the cached access token is reused
    salesforce.expire_sessions()
    run = sync_now(world, kr)
    assert run.status == RunStatus.SUCCEEDED
    assert salesforce.sign_ins == 2
    statuses = [
        (s.path.startswith("/services/oauth2"), s.headers.get("authorization", "")[:7])
        for s in salesforce.requests[-3:]
    ]
    assert statuses == [(False, "Bearer "), (True, ""), (False, "Bearer ")]


def test_a_revoked_salesforce_app_needs_attention(world, connect, salesforce, kr):
    connection = connect.salesforce(salesforce)
    first_good_sync(world, kr, connection, query=SOQL, mode="soql_scalar")
    salesforce.expire_sessions()
    salesforce.client_secret = "rotated"
    run = sync_now(world, kr)
    assert (run.status, run.error_kind) == (RunStatus.FAILED, "auth")
    assert "invalid_client" in run.error
    assert Connection.objects.get(pk=connection.pk).status == "needs_attention"
    assert current(kr) == 4


def test_invalid_session_after_a_fresh_sign_in_is_refused(world, connect, salesforce, kr):
    """Salesforce says INVALID_SESSION_ID even to a fresh token: one new sign-in, then stop."""
    connection = connect.salesforce(salesforce)
    first_good_sync(world, kr, connection, query=SOQL, mode="soql_scalar")
    invalid = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
    salesforce.fail_next(401, invalid, times=2, path="/services/data")
    run = sync_now(world, kr)
    assert (run.status, run.error_kind) == (RunStatus.FAILED, "auth")
    assert run.error == "INVALID_SESSION_ID: Session expired or invalid"
    assert salesforce.sign_ins == 2


# --------------------------------------------------------------------------- values


def test_an_unchanged_value_records_the_run_and_no_check_in(world, connect, jira_cloud, kr):
    connection = connect.jira_cloud(jira_cloud)
    first_good_sync(world, kr, connection)
    run = sync_now(world, kr)
    assert (run.status, run.changed, run.value) == (RunStatus.SUCCEEDED, False, 5)
    assert run.checkin is None
    assert CheckIn.objects.filter(key_result=kr).count() == 1
    assert SyncRun.objects.filter(binding__key_result=kr).count() == 2


def test_a_check_in_by_hand_is_overwritten_by_a_different_synced_value(
    world, connect, jira_cloud, kr
):
    connection = connect.jira_cloud(jira_cloud)
    first_good_sync(world, kr, connection)
    world.check_in(kr.goal, 7)
    run = sync_now(world, kr)
    assert run.changed
    assert current(kr) == 5


def test_done_ratio_with_no_issue_has_no_value(world, connect, jira_cloud):
    goal = world.goal("Done share", krs=[metric(0, 100, unit="%")])
    kr = world.kr(goal)
    connection = connect.jira_cloud(jira_cloud)
    bind(world, kr, connection, query="project = NOPE", mode="jira_done_ratio")
    run_worker()
    run = latest_run(kr)
    assert (run.status, run.error_kind) == (RunStatus.FAILED, "no_data")
    assert current(kr) is None


# --------------------------------------------------------------------------- broken answers


def bind_sum(world, kr, connection):
    return services.bind_key_result(
        actor=world.ceo,
        key_result=kr,
        connection=connection,
        mode="jira_sum",
        query="project = ONB",
        field="customfield_10016",
    )


def searches(fake) -> int:
    return sum(1 for path in fake.paths() if path.startswith("/rest/api/3/search/jql"))


def test_jira_cloud_paging_that_never_ends_is_stopped_and_said(world, connect, jira_cloud, kr):
    """{"issues": [], "isLast": false, "nextPageToken": "x"} forever: one page, then a clear
    error, retried like any broken answer; the key result keeps its value."""
    connection = connect.jira_cloud(jira_cloud)
    jira_cloud.broken_paging = "empty"
    bind_sum(world, kr, connection)
    run_worker()
    run = latest_run(kr)
    assert (run.status, run.error_kind) == (RunStatus.RETRYING, "bad_response")
    assert "empty page of issues that is not the last" in run.error
    assert run.request_id
    assert searches(jira_cloud) == 1
    jira_cloud.broken_paging = ""
    let_time_pass()
    run_worker()
    run.refresh_from_db()
    assert (run.status, run.value) == (RunStatus.SUCCEEDED, 66)


@pytest.mark.parametrize(
    ("broken", "kind", "pages", "says"),
    [
        ("empty", ErrorKind.BAD_RESPONSE, 1, "empty page of issues"),
        ("repeat", ErrorKind.BAD_RESPONSE, 2, "next-page token it had sent before"),
        ("endless", ErrorKind.BAD_QUERY, 4, "runs past 4 pages"),
    ],
)
def test_jira_cloud_paging_is_bounded(jira_cloud, monkeypatch, broken, kind, pages, says):
    monkeypatch.setattr(jira, "MAX_PAGES", 4)
    jira_cloud.broken_paging = broken
    client = JiraCloudClient.connect(jira_cloud.url, JIRA_EMAIL, JIRA_TOKEN)
    try:
        with pytest.raises(SyncError) as stopped:
            client.sum_field("project = ONB", "customfield_10016")
    finally:
        client.session.close()
    assert stopped.value.kind == kind
    assert says in stopped.value.message
    assert searches(jira_cloud) == pages


def test_jira_data_center_paging_is_bounded(jira_dc, monkeypatch):
    """A total that is never reached: at most MAX_PAGES pages are asked for."""
    monkeypatch.setattr(jira, "MAX_PAGES", 3)
    page = {
        "startAt": 0,
        "maxResults": 1,
        "total": 10**6,
        "issues": [{"key": "ONB-1", "fields": {"customfield_10016": 1}}],
    }
    jira_dc.fail_next(200, page, times=10, path="/rest/api/2/search")
    client = JiraDataCenterClient.connect(jira_dc.url, JIRA_PAT)
    try:
        with pytest.raises(SyncError, match="runs past 3 pages") as stopped:
            client.sum_field("project = ONB", "customfield_10016")
    finally:
        client.session.close()
    assert stopped.value.kind == ErrorKind.BAD_QUERY
    assert jira_dc.paths().count("/rest/api/2/search") == 3


@pytest.mark.parametrize("answer", [{"count": None}, {"count": "many"}, {"count": True}])
def test_a_jira_count_that_is_no_number_is_a_bad_response(world, connect, jira_cloud, kr, answer):
    connection = connect.jira_cloud(jira_cloud)
    jira_cloud.fail_next(200, answer, path="/rest/api/3/search/approximate-count")
    bind(world, kr, connection)
    run_worker()
    run = latest_run(kr)
    assert (run.status, run.error_kind) == (RunStatus.RETRYING, "bad_response")
    assert "Jira's count is not a number" in run.error
    let_time_pass()
    run_worker()
    assert latest_run(kr).status == RunStatus.SUCCEEDED
    assert current(kr) == 5


def test_a_jira_data_center_total_of_null_is_a_bad_response(world, connect, jira_dc, kr):
    connection = connect.jira_dc(jira_dc)
    jira_dc.fail_next(200, {"startAt": 0, "total": None, "issues": []}, path="/rest/api/2/search")
    bind(world, kr, connection)
    run_worker()
    run = latest_run(kr)
    assert (run.status, run.error_kind) == (RunStatus.RETRYING, "bad_response")


@pytest.mark.parametrize(
    "answer",
    [{"done": True, "records": []}, {"totalSize": None, "done": True, "records": []}],
)
def test_a_salesforce_count_without_total_size_is_a_bad_response(
    world, connect, salesforce, kr, answer
):
    connection = connect.salesforce(salesforce)
    salesforce.fail_next(200, answer, path="/services/data/v62.0/query")
    bind(world, kr, connection, query=SOQL, mode="soql_scalar")
    run_worker()
    run = latest_run(kr)
    assert (run.status, run.error_kind) == (RunStatus.RETRYING, "bad_response")
    assert "totalSize is not a number" in run.error
    let_time_pass()
    run_worker()
    assert current(kr) == 4


def test_a_text_field_summed_is_still_a_refused_query(world, connect, jira_cloud, kr):
    """Only numbers the service documents are "bad response": a field the query chose that
    holds text is the query's fault, shown to the owner and not retried."""
    connection = connect.jira_cloud(jira_cloud)
    jira_cloud.issues[0].fields["customfield_10016"] = "three"
    bind_sum(world, kr, connection)
    run_worker()
    run = latest_run(kr)
    assert (run.status, run.error_kind) == (RunStatus.FAILED, "bad_query")
    assert "The field customfield_10016 of ONB-1 is not a number" in run.error


@pytest.mark.parametrize(
    ("status", "kind", "run_status", "reason"),
    [
        (400, "bad_query", RunStatus.FAILED, "Bad Request"),
        (500, "server_error", RunStatus.RETRYING, "Internal Server Error"),
        (503, "unavailable", RunStatus.RETRYING, "Service Unavailable"),
    ],
)
@pytest.mark.parametrize("messages", [7, {"jql": "bad"}, None])
def test_error_messages_of_the_wrong_shape_are_classified_by_the_status(
    world, connect, jira_cloud, kr, status, kind, run_status, reason, messages
):
    connection = connect.jira_cloud(jira_cloud)
    jira_cloud.fail_next(status, {"errorMessages": messages, "errors": []}, path="/rest/api")
    bind(world, kr, connection)
    run_worker()
    run = latest_run(kr)
    assert (run.status, run.error_kind) == (run_status, kind)
    assert run.error == f"Jira Cloud answered {status} {reason}."


def test_a_single_error_message_string_is_shown():
    assert jira.jira_message({"errorMessages": "JQL is wrong", "errors": {"jql": "here"}}) == (
        "JQL is wrong jql: here"
    )


# --------------------------------------------------------------------------- limits and network


LIMIT = [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]


def test_salesforce_request_limit_exceeded_is_a_rate_limit_not_revoked_credentials(
    world, connect, salesforce, kr
):
    """Salesforce's API request limit answers 403 REQUEST_LIMIT_EXCEEDED (no Retry-After):
    the sync backs off and retries; the connection stays fine and nobody signs in again."""
    connection = connect.salesforce(salesforce)
    first_good_sync(world, kr, connection, query=SOQL, mode="soql_scalar")
    salesforce.fail_next(403, LIMIT, path="/services/data")
    run, _ = services.request_sync(actor=world.ceo, key_result=kr)
    run_worker()
    run.refresh_from_db()
    assert (run.status, run.error_kind) == (RunStatus.RETRYING, "rate_limited")
    assert run.error == "REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded."
    assert run.attempts[0]["status"] == 403
    assert retries.BACKOFF_BASE / 2 <= run.attempts[0]["retry_in"] <= retries.BACKOFF_BASE
    assert run.request_id
    assert Connection.objects.get(pk=connection.pk).status == "ok"
    assert not AuditEvent.objects.filter(kind="connection.needs_attention").exists()
    assert salesforce.sign_ins == 1

    salesforce.fail_next(403, LIMIT, path="/services/data")
    tested = services.try_connection(actor=world.ceo, connection=connection)
    assert (tested.ok, tested.error_kind) == (False, "rate_limited")
    assert Connection.objects.get(pk=connection.pk).status == "ok"

    let_time_pass()
    run_worker()
    run.refresh_from_db()
    assert (run.status, run.attempt) == (RunStatus.SUCCEEDED, 2)


def test_another_salesforce_403_is_refused_credentials(world, connect, salesforce, kr):
    connection = connect.salesforce(salesforce)
    salesforce.fail_next(
        403,
        [
            {
                "message": "API is not enabled for this Organization",
                "errorCode": "API_DISABLED_FOR_ORG",
            }
        ],
        path="/services/data",
    )
    bind(world, kr, connection, query=SOQL, mode="soql_scalar")
    run_worker()
    run = latest_run(kr)
    assert (run.status, run.error_kind) == (RunStatus.FAILED, "auth")
    assert Connection.objects.get(pk=connection.pk).status == "needs_attention"


def closed_port() -> int:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        return listener.getsockname()[1]


def test_a_service_nobody_listens_at_is_a_network_error_and_retried(world, connect, jira_cloud, kr):
    port = closed_port()
    connection = services.create_connection(
        actor=world.ceo,
        service="jira_cloud",
        name="Jira",
        base_url=f"http://127.0.0.1:{port}",
        username=JIRA_EMAIL,
        secret=JIRA_TOKEN,
    )
    bind(world, kr, connection)
    run_worker()
    run = latest_run(kr)
    assert (run.status, run.error_kind, run.attempt) == (RunStatus.RETRYING, "network", 1)
    assert run.error.startswith(f"Could not reach Jira Cloud at 127.0.0.1:{port}: ")
    assert run.attempts[0]["status"] is None
    assert Connection.objects.get(pk=connection.pk).status == "untested"  # not its credentials
    tested = services.try_connection(actor=world.ceo, connection=connection)
    assert (tested.ok, tested.error_kind) == (False, "network")

    services.change_connection(actor=world.ceo, connection=connection, base_url=jira_cloud.url)
    let_time_pass()
    run_worker()
    run.refresh_from_db()
    assert (run.status, run.attempt, run.value) == (RunStatus.SUCCEEDED, 2, 5)
