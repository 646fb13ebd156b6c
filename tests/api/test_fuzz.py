"""A schemathesis fuzz run of the live OpenAPI schema against the live app, as a client would.

The CLI (``st run``) runs in this process against pytest-django's live server: it loads
``/api/v1/openapi.json`` over HTTP, authenticates every request with a real token, and runs all
of its phases (examples, coverage, fuzzing, stateful). It checks that no response is a 5xx and
that every response conforms to the schema (status code, content type, headers, body), and
that requests violating the schema are refused.

Two checks are left out on purpose:

* ``positive_data_acceptance`` expects every schema-valid request to succeed, but the services
  rightly refuse some with a 400 (a period ending before it starts, the last key result of an
  active goal), rules no JSON schema can state;
* ``use_after_free`` expects whatever a DELETE touched to be gone, but ``DELETE /goals/{id}``
  archives the goal by design: it stays readable, restorable, and on its audit trail. (That
  deleted key results and links are gone is tested in test_key_results / test_contributions.)

The seed is fixed so that the suite is repeatable; set ``CASCADE_FUZZ_SEED`` to explore others.
"""

from __future__ import annotations

import gc
import json
import os
import threading
import time

import pytest
import schemathesis
from click.testing import CliRunner
from django.core.servers.basehttp import WSGIRequestHandler
from schemathesis.cli import schemathesis as st

from cascade.api.models import ApiToken
from cascade.api.services import issue_token
from tests.builders import make_world, metric, milestone, threshold, total

SEED = os.environ.get("CASCADE_FUZZ_SEED", "20261123")
MAX_EXAMPLES = os.environ.get("CASCADE_FUZZ_EXAMPLES", "25")


def build_organisation() -> str:
    """An organisation with people, a team, nested goals (one private) and check-ins; the
    token of its CEO, a super user (who may call every endpoint)."""
    world = make_world()
    vp = world.person("Vera VP", manager=world.ceo)
    rep = world.person("Rob Rep", manager=vp)
    company = world.goal("Grow revenue", krs=[metric(0, 100), milestone(), total(0, 50)])
    sales = world.goal("Win deals", owner=vp, krs=[metric(0, 10)], under={company: 2})
    world.goal(
        "Private plan", owner=rep, krs=[threshold(5)], under={sales: 1}, visibility="private"
    )
    world.goal("A draft", owner=rep)
    for value in (2, 4, 7):
        world.check_in(sales, value, confidence=6)
    return issue_token(member=world.ceo, name="fuzz").plain


@pytest.fixture
def fuzz_token(live_server, django_db_reset_sequences) -> str:
    # Ids start at 1, so the small ids the fuzzer favours reach real goals and key results.
    return build_organisation()


def keep_own_token(token: str):
    """A hook that stops the run from revoking the token it runs with: that request is sent
    for another token id (a 404) instead."""
    own = ApiToken.objects.get(prefix=token[:14]).pk

    def before_call(context, case, **kwargs):
        revoking = case.operation.path.endswith("/tokens/{token_id}") and case.path_parameters
        if revoking and str(case.path_parameters.get("token_id")) == str(own):
            case.path_parameters["token_id"] = own + 1_000_000

    return before_call


def close_client_connections() -> None:
    """Drop the CLI's HTTP sessions and wait for the live server's threads to see them close.

    The live server keeps HTTP connections alive, and each of its threads keeps a database
    connection until its HTTP connection ends: one left waiting would stop the test database
    from being dropped at the end of the run.
    """
    gc.collect()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(
        "process_request_thread" in thread.name for thread in threading.enumerate()
    ):
        time.sleep(0.05)


def test_fuzz_the_live_schema(live_server, fuzz_token, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the CLI keeps its state in ./.schemathesis
    # The live server writes a response's headers and body separately; with Nagle's algorithm
    # each small response then waits for the client's delayed ACK (40 ms). Not in production.
    monkeypatch.setattr(WSGIRequestHandler, "disable_nagle_algorithm", True)
    hook = schemathesis.hook("before_call")(keep_own_token(fuzz_token))
    report = tmp_path / "report.json"
    try:
        result = CliRunner().invoke(
            st,
            [
                "run",
                f"{live_server.url}/api/v1/openapi.json",
                "--header",
                f"Authorization: Bearer {fuzz_token}",
                "--exclude-checks",
                "positive_data_acceptance,use_after_free",
                "--max-examples",
                MAX_EXAMPLES,
                "--seed",
                SEED,
                "--workers",
                "1",
                "--no-color",
                "--report",
                "json",
                "--report-json-path",
                str(report),
            ],
            catch_exceptions=False,
        )
    finally:
        schemathesis.hooks.unregister(hook)
        close_client_connections()
    summary = json.loads(report.read_text())
    print(result.output)
    print(json.dumps({k: summary[k] for k in ("test_cases", "running_time")}, indent=1))
    assert result.exit_code == 0, result.output
    assert summary["test_cases"]["generated"] > 1000
