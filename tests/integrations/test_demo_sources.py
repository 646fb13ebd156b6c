"""The demo organisation's data sources: bound to the fakes `cascade demo` starts, and synced."""

from __future__ import annotations

import re
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from cascade.demo.seed import seed
from cascade.goals.models import CheckIn, KeyResult
from cascade.integrations import scheduling
from cascade.integrations.demo import point_at_fakes
from cascade.integrations.fakes import demo_data
from cascade.integrations.models import Binding, RunStatus, SyncRun
from cascade.integrations.runs import run_sync

TODAY = date(2026, 11, 20)


@pytest.fixture(scope="module")
def acme(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield seed(TODAY)
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _db(db):
    """Each test runs in its own savepoint inside the module's transaction."""


@pytest.fixture
def fakes():
    jira = demo_data.jira().start()
    salesforce = demo_data.salesforce().start()
    yield jira, salesforce
    jira.stop()
    salesforce.stop()


def test_acme_has_key_results_bound_to_jira_and_salesforce(acme):
    bindings = Binding.objects.filter(organisation=acme.organisation).select_related(
        "connection", "key_result"
    )
    services = {b.connection.service for b in bindings}
    assert services == {"jira_cloud", "salesforce"}
    assert {b.key_result.title for b in bindings} == {
        "Setup steps shipped",
        "Closed-won ARR",
        "Qualified pipeline generated",
    }
    assert all(b.connection.name.endswith("(local fake)") for b in bindings)


def test_acme_syncs_from_the_fakes_and_shows_it(acme, fakes, client):
    jira, salesforce = fakes
    assert point_at_fakes(jira.url, salesforce.url) == 2
    assert scheduling.enqueue_due_syncs() == 3
    for run in SyncRun.objects.filter(status=RunStatus.QUEUED):
        assert run_sync(run.pk) == RunStatus.SUCCEEDED
    values = {
        kr.title: kr.current
        for kr in KeyResult.objects.filter(
            organisation=acme.organisation, data_source__isnull=False
        )
    }
    assert values == {
        "Setup steps shipped": 5,
        "Closed-won ARR": 610_000,
        "Qualified pipeline generated": 4_250_000,
    }
    assert CheckIn.objects.filter(source="connector").count() >= 2  # the seeded history differs
    out = StringIO()
    call_command("verify_progress", stdout=out)
    assert "no difference" in out.getvalue()

    assert client.login(username="victor@acme.example", password="cascade-demo")
    binding = Binding.objects.get(key_result__title="Qualified pipeline generated")
    page = client.get(f"/o/acme/goals/{binding.key_result.goal_id}/").text
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)).replace("&#x27;", "'")
    assert (
        "Salesforce Acme Salesforce (local fake) · Salesforce: a report's grand total · last synced"
        in text
    )
