"""Data sources in the demo organisation Acme, pointing at local fake services.

``seed_data_sources`` runs at the end of the demo's seeding: two connections (Jira Cloud and
Salesforce, named “… (local fake)”) and three bound key results. ``demo_services`` is what
``cascade demo`` runs beside the web server: the fakes (``python -m cascade.integrations.fakes``,
on free ports), the connections pointed at them, and a worker (``cascade worker``), all stopped
with the demo.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from cascade.core import clock
from cascade.goals.models import KeyResult
from cascade.integrations import services
from cascade.integrations.fakes import demo_data
from cascade.integrations.models import Binding, Connection, ConnectionStatus, Mode
from cascade.orgs.models import Member

logger = logging.getLogger(__name__)


class Output(Protocol):
    def write(self, msg: str) -> object: ...


FAKE = " (local fake)"
JIRA_NAME = "Acme Jira" + FAKE
SALESFORCE_NAME = "Acme Salesforce" + FAKE
NOWHERE = "http://127.0.0.1:9"  # until `cascade demo` starts the fakes and points here

# (owner's email, key result) → mode, query, field
BINDINGS = [
    ("emma", "Setup steps shipped", JIRA_NAME, Mode.JIRA_COUNT, demo_data.SETUP_STEPS_JQL, ""),
    (
        "lucas",
        "Closed-won ARR",
        SALESFORCE_NAME,
        Mode.SOQL_SCALAR,
        demo_data.CLOSED_WON_DACH_SOQL,
        "",
    ),
    (
        "victor",
        "Qualified pipeline generated",
        SALESFORCE_NAME,
        Mode.REPORT_AGGREGATE,
        demo_data.PIPELINE_REPORT,
        "s!Amount",
    ),
]


def seed_data_sources(ceo: Member) -> None:
    """Acme's connections to the fakes, and three key results bound to them, by their owners."""
    jira = services.create_connection(
        actor=ceo,
        service="jira_cloud",
        name=JIRA_NAME,
        base_url=NOWHERE,
        username=demo_data.JIRA_EMAIL,
        secret=demo_data.JIRA_API_TOKEN,
    )
    salesforce = services.create_connection(
        actor=ceo,
        service="salesforce",
        name=SALESFORCE_NAME,
        base_url=NOWHERE,
        auth_method="client_credentials",
        client_id=demo_data.SALESFORCE_CLIENT_ID,
        secret=demo_data.SALESFORCE_CLIENT_SECRET,
    )
    connections = {jira.name: jira, salesforce.name: salesforce}
    domain = ceo.user.email.partition("@")[2]
    for owner, title, connection, mode, query, field in BINDINGS:
        kr = (
            KeyResult.objects.filter(
                organisation_id=ceo.organisation_id,
                title=title,
                goal__owner__user__email=f"{owner}@{domain}",
            )
            .select_related("goal__owner")
            .first()
        )
        if kr is None:
            logger.warning("The demo has no key result %r of %s to bind", title, owner)
            continue
        services.bind_key_result(
            actor=kr.goal.owner,
            key_result=kr,
            connection=connections[connection],
            mode=mode,
            query=query,
            field=field,
            interval_minutes=30,
        )


def point_at_fakes(jira_url: str, salesforce_url: str) -> int:
    """Aim the demo's fake connections at this run's fakes, and sync their key results soon.

    A direct update, not a service: the demo's own plumbing, not anybody's change (no audit).
    Only connections named “… (local fake)” on 127.0.0.1 are touched.
    """
    fakes = Connection.objects.filter(name__endswith=FAKE, base_url__startswith="http://127.0.0.1")
    updated = 0
    for connection in fakes:
        url = jira_url if connection.is_jira else salesforce_url
        updated += Connection.objects.filter(pk=connection.pk).update(
            base_url=url,
            access_token_sealed="",
            instance_url="",
            status=ConnectionStatus.UNTESTED,
            status_message="",
        )
    Binding.objects.filter(connection__in=fakes).update(next_run_at=clock.now())
    return updated


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@contextmanager
def demo_services(out: Output) -> Iterator[None]:
    """The fakes and a worker, for as long as the demo's web server runs."""
    fakes = subprocess.Popen(
        [sys.executable, "-m", "cascade.integrations.fakes"], stdout=subprocess.PIPE, text=True
    )
    worker = None
    try:
        assert fakes.stdout is not None
        try:
            urls = json.loads(fakes.stdout.readline())
            point_at_fakes(urls["jira"], urls["salesforce"])
            where = (
                f"from a fake Jira at {urls['jira']} and a fake Salesforce at {urls['salesforce']}"
            )
        except (ValueError, KeyError):
            where = "(the fake Jira and Salesforce did not start: their syncs will fail)"
        env = {**os.environ, "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING")}
        worker = subprocess.Popen([sys.executable, "-m", "cascade", "worker"], env=env, text=True)
        out.write(
            f"  Data sources: a worker (pid {worker.pid}) syncs Acme's key results {where}.\n"
        )
        yield
    finally:
        if worker is not None:
            _stop(worker)
        _stop(fakes)
