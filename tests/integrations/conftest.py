"""Fixtures for the data-source tests: the local fake services, connections and bindings, and
the pages' helpers (a signed-in client, an organisation's URLs, a page's words).

The fakes are real HTTP servers on 127.0.0.1 (``cascade.integrations.fakes``), the same the
demo runs; every test gets fresh ones, with the data below.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from cascade.core.models import JobSlot
from cascade.integrations import services
from cascade.integrations.clients import http
from cascade.integrations.fakes.jira import FakeJira, Issue
from cascade.integrations.fakes.salesforce import FakeSalesforce, Report
from cascade.integrations.models import Binding, Connection
from tests.builders import metric

TODAY = date.today()
JIRA_EMAIL = "robot@example.com"
JIRA_TOKEN = "jira-api-token-for-tests-7f3a"
JIRA_PAT = "jira-dc-pat-for-tests-91bc"
SF_CLIENT_ID = "3MVG9-test-consumer-key"
SF_SECRET = "salesforce-client-secret-for-tests-5d2e"
SF_USER = "integration@acme.example"
REPORT_ID = "00O5e000008PIPE"
PASSWORD = "pw-for-tests-only"  # every person's of tests.builders
JQL = "project = ONB AND labels = setup-step AND statusCategory = Done"  # 5 issues in the fake


def issues() -> list[Issue]:
    """Project ONB: 12 issues, 5 of them done; story points 1 … 12 (issue 12 has none)."""
    categories = ["done"] * 5 + ["indeterminate"] * 3 + ["new"] * 4
    return [
        Issue(
            f"ONB-{n}",
            status={"done": "Done", "indeterminate": "In Progress", "new": "To Do"}[category],
            category=category,
            labels=["setup-step"] if n <= 8 else [],
            fields={"customfield_10016": n if n < 12 else None},
        )
        for n, category in enumerate(categories, start=1)
    ] + [Issue("OPS-1", category="done", fields={"customfield_10016": 100})]


def opportunities() -> list[dict]:
    this_quarter = TODAY.replace(day=1).isoformat()
    long_ago = (TODAY - timedelta(days=400)).isoformat()
    rows = []
    for n in range(1, 8):
        rows.append(
            {
                "Id": f"006FAKE{n:011d}",
                "Name": f"Deal {n}",
                "Amount": 10_000.0 * n,
                "StageName": "Closed Won" if n % 2 else "Prospecting",
                "CloseDate": this_quarter if n < 7 else long_ago,
                "Region__c": "DACH" if n <= 4 else "Nordics",
            }
        )
    return rows


def private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@pytest.fixture
def jira_cloud() -> Iterator[FakeJira]:
    with FakeJira("cloud", issues(), email=JIRA_EMAIL, token=JIRA_TOKEN, page_size=5) as fake:
        yield fake


@pytest.fixture
def jira_dc() -> Iterator[FakeJira]:
    with FakeJira("dc", issues(), token=JIRA_PAT, page_size=5) as fake:
        yield fake


@pytest.fixture(scope="session")
def jwt_key() -> str:
    return private_key_pem()


@pytest.fixture
def salesforce(jwt_key: str) -> Iterator[FakeSalesforce]:
    public = serialization.load_pem_private_key(jwt_key.encode(), password=None).public_key()
    reports = {
        REPORT_ID: Report(
            "Open pipeline",
            "Opportunity",
            {"StageName": "Prospecting"},
            [
                ("s!Amount", "Sum of Amount", "sum", "Amount"),
                ("RowCount", "Record Count", "count", None),
            ],
        )
    }
    with FakeSalesforce(
        {"Opportunity": opportunities()},
        reports,
        client_id=SF_CLIENT_ID,
        client_secret=SF_SECRET,
        username=SF_USER,
        certificate_key=public,  # type: ignore[arg-type]
        batch_size=2,
        today=TODAY,
    ) as fake:
        yield fake


@pytest.fixture
def short_timeout(monkeypatch: pytest.MonkeyPatch) -> float:
    monkeypatch.setattr(http, "TIMEOUT", 0.5)
    return 0.5


@dataclass
class Connections:
    """Connections of one organisation to the fakes, made through the services."""

    actor: object

    def jira_cloud(self, fake: FakeJira, token: str = JIRA_TOKEN, name: str = "Jira") -> Connection:
        return services.create_connection(
            actor=self.actor,
            service="jira_cloud",
            name=name,
            base_url=fake.url,
            username=JIRA_EMAIL,
            secret=token,
        )

    def jira_dc(self, fake: FakeJira, token: str = JIRA_PAT, name: str = "Jira DC") -> Connection:
        return services.create_connection(
            actor=self.actor, service="jira_dc", name=name, base_url=fake.url, secret=token
        )

    def salesforce(
        self, fake: FakeSalesforce, secret: str = SF_SECRET, name: str = "Salesforce"
    ) -> Connection:
        return services.create_connection(
            actor=self.actor,
            service="salesforce",
            name=name,
            base_url=fake.url,
            client_id=SF_CLIENT_ID,
            auth_method="client_credentials",
            secret=secret,
        )

    def salesforce_jwt(
        self, fake: FakeSalesforce, pem: str, name: str = "Salesforce JWT"
    ) -> Connection:
        return services.create_connection(
            actor=self.actor,
            service="salesforce",
            name=name,
            base_url=fake.url,
            client_id=SF_CLIENT_ID,
            username=SF_USER,
            auth_method="jwt_bearer",
            secret=pem,
        )


@pytest.fixture
def connect(world) -> Connections:
    return Connections(world.ceo)


def run_worker() -> None:
    """The real worker, one batch, in a later round of the scheduler than the last one: it runs
    the periodic jobs (sweeps, queues the due syncs), then every ready task, and stops.

    A round's jobs run once, in one worker (``core.scheduler``); a test's workers follow each
    other within seconds, so the rounds that went before are forgotten here, as if their slots
    had passed — as ``let_time_pass`` does for the deferred tasks.
    """
    JobSlot.objects.all().delete()
    call_command("worker", batch=True)


def let_time_pass() -> int:
    """Deferred tasks (retries waiting for their time) become ready now."""
    return DBTaskResult.objects.filter(
        status="READY", run_after__gt=timezone.now(), run_after__lt=get_date_max()
    ).update(run_after=timezone.now() - timedelta(seconds=1))


@pytest.fixture
def binding(world, connect, jira_cloud) -> Binding:
    """A key result of the CEO's, counting the done setup steps in the fake Jira every hour."""
    goal = world.goal("Ship onboarding", krs=[metric(0, 10)])
    return services.bind_key_result(
        actor=world.ceo,
        key_result=world.kr(goal),
        connection=connect.jira_cloud(jira_cloud),
        mode="jira_count",
        query=JQL,
        interval_minutes=60,
    )


@pytest.fixture
def signed_in(client, world):
    assert client.login(username=world.ceo.user.email, password=PASSWORD)
    return client


def url(world, path: str = "") -> str:
    return f"/o/{world.organisation.slug}/{path}"


def text_of(page: str) -> str:
    """The page's words as a person reads them: no tags, no entities, no space before a comma."""
    words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    return html.unescape(re.sub(r" ([.,:;)])", r"\1", words))
