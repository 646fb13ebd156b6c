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

import copy
import gc
import json
import os
import threading
import time
from collections.abc import Iterator
from datetime import date
from urllib.parse import quote, urlencode

import pytest
import schemathesis
from click.testing import CliRunner
from django.core.servers.basehttp import WSGIRequestHandler
from schemathesis.cli import schemathesis as st

from cascade.api.models import ApiToken
from cascade.api.services import issue_token
from cascade.core.numbers import MAX_ID
from cascade.goals import services as goals
from cascade.goals.models import Comment, Contribution, Goal, KeyResult
from cascade.integrations import services as integrations
from cascade.integrations.models import Connection
from cascade.orgs import services as orgs
from cascade.orgs.models import Member, Team
from cascade.performance import services as performance
from cascade.performance.models import Assessment, GoalSheet, Review, ReviewCycle, SheetItem
from cascade.webhooks import services as webhooks
from cascade.webhooks.models import Delivery, Endpoint
from tests.builders import World, make_world, metric, milestone, threshold, total

SEED = os.environ.get("CASCADE_FUZZ_SEED", "20261123")
MAX_EXAMPLES = os.environ.get("CASCADE_FUZZ_EXAMPLES", "25")


def build_organisation() -> str:
    """An organisation with people, a team, nested goals (one private) and check-ins, goal
    sheets and review cycles with assessments to write, comments; the token of its CEO, a super user (who
    may call every endpoint)."""
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
    build_performance(world, vp, company, sales)
    for goal in (company, sales):
        goals.add_comment(actor=world.ceo, goal=goal, body=f"On it, @[Vera](member:{vp.pk})")
    return issue_token(member=world.ceo, name="fuzz").plain


def build_performance(world: World, vp: Member, company: Goal, sales: Goal) -> None:
    """Goal sheets in two periods (one locked by a cycle, one open), and two cycles: in one the
    CEO writes his self assessment, in the other Vera's manager assessment — so the fuzzer's
    small ids reach sheets, items, reviews and assessments the token may write."""
    performance.set_goals_in_reviews(actor=world.ceo, enabled=True)
    next_quarter = orgs.create_period(
        actor=world.ceo, name="Q1 2027", start=date(2027, 1, 1), end=date(2027, 3, 31)
    )
    for period in (world.period, next_quarter):
        sheet = performance.sheet_for(owner=vp, period=period)
        measure = performance.add_sheet_item(
            actor=vp, sheet=sheet, kind="measure", title="Calls", weight=40, target=100
        )
        performance.update_sheet_item(actor=vp, item=measure, value=30, note="A start")
        performance.add_sheet_item(
            actor=vp, sheet=sheet, kind="key_result", key_result=world.kr(sales), weight=30
        )
        performance.add_sheet_item(actor=vp, sheet=sheet, kind="goal", goal=company, weight=30)
        performance.comment_on_sheet(actor=world.ceo, sheet=sheet, body="Good plan")
    for name, people, phase in (
        ("Self reviews", [world.ceo, vp], "self_assessment"),
        ("Manager reviews", [vp], "manager_assessment"),
    ):
        cycle = performance.create_review_cycle(
            actor=world.ceo,
            name=name,
            period=world.period,
            competencies=[("Ownership", ""), ("Craft", "")],
            scale=[(1, "Below"), (2, "Meets"), (3, "Above")],
            participation="people",
            people=people,
        )
        while cycle.phase != phase:
            cycle = performance.advance_phase(actor=world.ceo, cycle=cycle)


@pytest.fixture
def fuzz_token(live_server, django_db_reset_sequences) -> str:
    # Ids start at 1, so the small ids the fuzzer favours reach real goals and key results.
    return build_organisation()


# The objects the fuzzer should reach (performance, comments): random ids would nearly all be 404s.
KNOWN = {
    "sheet_id": GoalSheet,
    "item_id": SheetItem,
    "cycle_id": ReviewCycle,
    "review_id": Review,
    "assessment_id": Assessment,
    "comment_id": Comment,
}


def before_call(token: str):
    """A hook that (1) stops the run from revoking the token it runs with (that request is
    sent for another token id, a 404, instead) and (2) points four in five generated ids of
    performance objects at ones that exist, so their success paths are fuzzed too."""
    own = ApiToken.objects.get(prefix=token[:14]).pk
    known = {
        name: sorted(model.objects.values_list("pk", flat=True)) for name, model in KNOWN.items()
    }

    def hook(context, case, **kwargs):
        parameters = case.path_parameters or {}
        revoking = case.operation.path.endswith("/tokens/{token_id}")
        if revoking and str(parameters.get("token_id")) == str(own):
            parameters["token_id"] = own + 1_000_000
        for name, ids in known.items():
            value = parameters.get(name)
            # Only ids the schema allows: an out-of-range one is a negative case, to stay refused.
            if ids and isinstance(value, int) and 0 < value <= MAX_ID and value % 5:
                parameters[name] = ids[value % len(ids)]

    return hook


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
    hook = schemathesis.hook("before_call")(before_call(fuzz_token))
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


# --------------------------------------------------------------------------- hostile values

# The values no schema-driven generator thinks of: "²" passes str.isdigit() and int() refuses
# it, "٣" is an Arabic-Indic three int() reads as 3, NUL bytes PostgreSQL refuses in text.
HOSTILE_TEXT = ["²", "٣", "-1", "0", "1e9", str(10**30), "abc", "", " 7 ", "x" * 10_000, "a\x00b"]
HOSTILE_JSON = [*HOSTILE_TEXT, -1, 0, 10**30, 1e9, None, True, [], {}]
PATH_IDS = {
    "goal_id": Goal,
    "key_result_id": KeyResult,
    "contribution_id": Contribution,
    "member_id": Member,
    "team_id": Team,
    "connection_id": Connection,
    "webhook_id": Endpoint,
    "delivery_id": Delivery,
    **KNOWN,
}


def resolve(schema: dict, spec: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    for choice in ("anyOf", "oneOf", "allOf"):
        if choice in schema:
            options = [s for s in schema[choice] if s.get("type") != "null"]
            return resolve(options[0], spec) if options else {}
    return schema


def example(schema: dict, spec: dict, name: str = "") -> object:
    """A plausible value of the schema: the walk changes one leaf of it at a time."""
    schema = resolve(schema, spec)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {
            key: example(sub, spec, key)
            for key, sub in schema.get("properties", {}).items()
            if key in schema.get("required", []) or sub.get("type") == "array"
        }
    if kind == "array":
        return [example(schema.get("items", {}), spec, name)]
    if kind == "integer":
        return 1  # the sequences start again for this test: 1 is an existing row of most kinds
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    if schema.get("format") == "date":
        return "2026-11-01"
    return "new@example.com" if "email" in name else "Hostile"


def leaves(value: object, at: tuple = ()) -> Iterator[tuple]:
    if isinstance(value, dict):
        for key, sub in value.items():
            yield from leaves(sub, (*at, key))
    elif isinstance(value, list) and value:
        yield from leaves(value[0], (*at, 0))
    if at:
        yield at


def replaced(body: object, at: tuple, new: object) -> object:
    body = copy.deepcopy(body)
    target = body
    for step in at[:-1]:
        target = target[step]  # type: ignore[index]
    target[at[-1]] = new  # type: ignore[index]
    return body


def test_hostile_values_in_every_parameter_and_field(django_db_reset_sequences, client):
    """Every path parameter, query parameter and body field of every operation of the schema,
    one at a time, with each hostile value; and body fields the schema does not have."""
    token = build_organisation()
    spare = issue_token(member=Member.objects.order_by("pk").first(), name="spare")
    integrations.create_connection(
        actor=Member.objects.order_by("pk").first(),
        service="jira_dc",
        name="Jira",
        base_url="http://127.0.0.1:9",  # nothing listens: a test of it fails at once
        secret="a-token",
    )
    hook = webhooks.create_endpoint(
        actor=Member.objects.order_by("pk").first(), url="https://hooks.example.com/f"
    ).endpoint
    Delivery.objects.create(
        organisation_id=hook.organisation_id,
        endpoint=hook,
        event_id=1,
        kind="goal.created",
        payload={},
    )
    client.raise_request_exception = False
    spec = client.get("/api/v1/openapi.json").json()
    ids = {
        name: model.objects.order_by("pk").values_list("pk", flat=True).first()
        for name, model in PATH_IDS.items()
    }
    ids["token_id"] = spare.token.pk
    ids["topic"] = "mention"  # type: ignore[assignment]  # a notification topic, not an id
    headers = {"Authorization": f"Bearer {token}"}
    tried, failures = 0, []

    def send(method: str, path: str, query: dict, body: object, what: str) -> None:
        nonlocal tried
        tried += 1
        url = path + ("?" + urlencode(query) if query else "")
        data = json.dumps(body) if body is not None else ""
        response = client.generic(
            method, url, data, content_type="application/json", headers=headers
        )
        if response.status_code >= 500:
            error = getattr(response, "exc_info", None)
            cause = repr(error[1])[:200] if error else response.content[:200]
            failures.append(f"{method} {path} {what}: {response.status_code} {cause}")

    # Deletions last: they take away what the other operations work on.
    operations = sorted(
        ((m.upper(), p, op) for p, ops in spec["paths"].items() for m, op in ops.items()),
        key=lambda o: o[0] == "DELETE",
    )
    for method, template, op in operations:
        params = op.get("parameters", [])
        path_values = {p["name"]: str(ids[p["name"]]) for p in params if p["in"] == "path"}
        real_path = template.format(**path_values)
        content = op.get("requestBody", {}).get("content", {}).get("application/json")
        body = example(content["schema"], spec) if content else None
        for name in path_values:
            for value in HOSTILE_TEXT:
                hostile = template.format(**{**path_values, name: quote(value, safe="")})
                send(method, hostile, {}, body, f"{{{name}}}={value[:20]!r}")
        for param in (p for p in params if p["in"] == "query"):
            for value in HOSTILE_TEXT:
                send(
                    method,
                    real_path,
                    {param["name"]: value},
                    body,
                    f"?{param['name']}={value[:20]!r}",
                )
        if body is None:
            continue
        for at in [*leaves(body), ("²",), ("never_in_the_schema",)]:
            for value in HOSTILE_JSON:
                send(
                    method,
                    real_path,
                    {},
                    replaced(body, at, value),
                    f"{'.'.join(map(str, at))}={str(value)[:20]!r}",
                )
    print(f"\nHostile API requests: {tried}, 5xx: {len(failures)}")
    assert tried > 3000
    assert not failures, "\n".join(failures[:20])
