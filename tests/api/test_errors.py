"""One error shape for everything that goes wrong, and bad input is a 400, never a 500."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time

import pytest

from cascade.goals.models import CheckIn, KeyResult
from tests.api.conftest import BASE, api_for


def assert_error(answer, status: int, code: str) -> dict:
    assert answer.status == status, answer.body
    assert set(answer.body) == {"error"}
    assert set(answer.error) == {"code", "message", "reason", "fields", "field_codes"}
    assert set(answer.error["field_codes"]) == set(answer.error["fields"])
    assert answer.error["code"] == code
    assert isinstance(answer.error["message"], str)
    assert answer.error["message"]
    return answer.error["fields"]


def test_unknown_paths_are_json_404s(api):
    for path in ["/nope", "/goals/1/nope", "/goals/", "/"]:
        assert_error(api.get(path), 404, "not_found")


def test_a_wrong_method_is_a_json_405_with_allow(api):
    answer = api.send("PUT", "/goals", {})
    assert_error(answer, 405, "method_not_allowed")
    assert set(answer.headers["Allow"].split(", ")) == {"GET", "POST"}


def test_field_errors_name_their_fields(org, api):
    fields = assert_error(
        api.post("/goals", {"titel": "typo", "period": "one"}), 400, "validation_error"
    )
    assert set(fields) == {"titel", "title", "period"}


def test_service_errors_name_their_fields(org, api):
    answer = api.post(
        f"/goals/{org.sales.pk}/key-results", {"title": "Flat", "start": 1, "target": 1}
    )
    fields = assert_error(answer, 400, "validation_error")
    assert "target" in fields


def test_a_state_error_has_a_message_and_no_fields(org, api):
    answer = api.post(f"/goals/{org.sales.pk}/reopen")
    assert assert_error(answer, 400, "validation_error") == {}
    assert "cannot be reopened" in answer.error["message"]


def test_a_conflict_is_409(org, api):
    answer = api.post(f"/goals/{org.company.pk}/contributions", {"senior_goal": org.private.pk})
    fields = assert_error(answer, 409, "conflict")
    assert "cycle" in fields["senior_goal"]


def test_an_id_in_a_body_that_does_not_exist_is_404_naming_the_field(org, api):
    answer = api.post("/goals", {"title": "X", "period": 10**12})
    assert assert_error(answer, 404, "not_found") == {"period": "No such period."}


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[1, 2",
        b'{"value": NaN}',
        b'{"value": Infinity}',
        b"\xff\xfe",
        b"[" * 100_000,
    ],
    ids=["broken", "unclosed", "nan", "infinity", "not-utf8", "deep"],
)
def test_bodies_that_are_not_json_are_400(org, api, body):
    kr = org.kr(org.sales)
    response = api.client.post(
        f"{BASE}/key-results/{kr.pk}/check-ins",
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.token}"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] in {"bad_request", "validation_error"}
    assert not CheckIn.objects.filter(key_result=kr).exists()


@pytest.mark.parametrize(
    "value",
    [
        True,
        None,
        "12 apples",
        " 12",
        "1e3",
        "1,5",
        [1],
        {"n": 1},
        "10000000000000",
        10**13,
        -(10**13),
        "0.1234567",
        10**400,
    ],
    ids=repr,
)
def test_values_outside_the_contract_are_400(org, value):
    kr = org.kr(org.sales)
    answer = api_for(org.vera).post(f"/key-results/{kr.pk}/check-ins", {"value": value})
    assert assert_error(answer, 400, "validation_error").keys() == {"value"}


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        (7, "7"),
        (7.25, "7.25"),
        ("7.25", "7.25"),
        ("-0.000001", "-0.000001"),
        (0.1, "0.1"),
        ("999999999.999999", "999999999.999999"),
        (12345.6789012, "12345.678901"),
    ],
)
def test_numbers_and_numeric_strings_are_both_values(org, sent, stored):
    kr = org.kr(org.sales)
    answer = api_for(org.vera).post(f"/key-results/{kr.pk}/check-ins", {"value": sent})
    assert answer.status == 201, answer.body
    assert isinstance(answer.body["value"], float)
    from decimal import Decimal

    assert KeyResult.objects.get(pk=kr.pk).current == Decimal(stored)


@pytest.mark.parametrize(
    "text", ["nul\x00byte", "lone \ud800 surrogate", "x" * 201], ids=["nul", "surrogate", "long"]
)
def test_text_the_database_cannot_store_is_400(org, api, text):
    answer = api.patch(f"/goals/{org.company.pk}", {"title": text})
    assert assert_error(answer, 400, "validation_error").keys() == {"title"}


@pytest.mark.parametrize(
    "path",
    [
        "/goals/9223372036854775808",
        "/goals/-1",
        "/goals/1.5",
        "/goals/%00",
        "/goals?owner=1e99",
        "/goals?q=%00",
        "/goals?limit=201",
        "/goals?offset=1000000001",
        "/members?active=yes",
    ],
)
def test_query_and_path_values_outside_their_range_are_400(org, api, path):
    assert_error(api.get(path), 400, "validation_error")


@pytest.mark.parametrize(
    ("field", "value"),
    [("confidence", True), ("confidence", 7.5), ("confidence", "7"), ("note", 5)],
)
def test_json_types_are_strict(org, field, value):
    kr = org.kr(org.sales)
    answer = api_for(org.vera).post(f"/key-results/{kr.pk}/check-ins", {"value": 1, field: value})
    assert assert_error(answer, 400, "validation_error").keys() == {field}


def test_ids_in_bodies_are_json_integers(org, api):
    answer = api.post("/goals", {"title": "X", "period": str(org.world.period.pk)})
    assert assert_error(answer, 400, "validation_error").keys() == {"period"}


@pytest.mark.parametrize("body", [b"5e-324", b"1.5", b"0", b"[]", b'"x"', b"null", b"true"])
def test_a_body_is_a_json_object(api, body):
    response = api.client.patch(
        f"{BASE}/organisation",
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.token}"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] in {"bad_request", "validation_error"}


def oversized_body(settings) -> bytes:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    return json.dumps({"title": "x" * 2000}).encode()


def test_a_body_past_the_upload_limit_is_a_json_413(org, api, settings):
    response = api.client.patch(
        f"{BASE}/goals/{org.company.pk}",
        data=oversized_body(settings),
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.token}"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert "1,000 bytes" in response.json()["error"]["message"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def gunicorn(tmp_path):
    """``cascade serve``, the production server, on a free port, on a migrated database of its
    own (the sign-in limits count in the database cache's table)."""
    port = free_port()
    env = {
        **os.environ,
        "CASCADE_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "cascade.settings",
    }
    subprocess.run([sys.executable, "-m", "cascade", "migrate", "-v0"], env=env, check=True)
    server = subprocess.Popen(
        [sys.executable, "-m", "cascade", "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "cascade serve did not start"
                time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_a_413_keeps_the_connection_alive(gunicorn):
    """gunicorn skips only 64 KiB of an unread body before the next request on a keep-alive
    connection, else drops it: the refused body is drained, so the next request is answered."""
    connection = http.client.HTTPConnection("127.0.0.1", gunicorn, timeout=30)
    body = json.dumps({"email": "x" * 3_000_000, "password": "pw", "organisation": "o"})
    try:
        connection.request("POST", f"{BASE}/tokens", body, {"Content-Type": "application/json"})
        first = connection.getresponse()
        assert (first.status, json.loads(first.read())["error"]["code"]) == (413, "too_large")
        connection.request("GET", f"{BASE}/openapi.json")
        second = connection.getresponse()
        assert (second.status, json.loads(second.read())["info"]["title"]) == (200, "Cascade API")
    finally:
        connection.close()
