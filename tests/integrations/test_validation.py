"""What the services refuse, with the message shown next to the field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from cascade.core.errors import Conflict
from cascade.goals import services as goals
from cascade.integrations import services
from cascade.integrations.clients.http import retry_after
from cascade.integrations.models import Binding
from tests.builders import metric, milestone, total

pytestmark = pytest.mark.django_db


def errors_of(call) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


def test_connections_need_https_a_name_of_their_own_and_their_secret(world):
    def create(**kw):
        values = {
            "actor": world.ceo,
            "service": "jira_dc",
            "name": "Jira",
            "base_url": "https://jira.example.com",
            "secret": "pat",
        }
        return services.create_connection(**{**values, **kw})

    assert "base_url" in errors_of(lambda: create(base_url="http://jira.example.com"))
    assert "base_url" in errors_of(lambda: create(base_url="jira.example.com"))
    assert "secret" in errors_of(lambda: create(secret=""))
    assert "service" in errors_of(lambda: create(service="github"))
    create(base_url="http://127.0.0.1:8080/jira/")  # the local fakes
    with pytest.raises(Conflict):
        create(name="jira")
    salesforce = errors_of(
        lambda: create(
            service="salesforce", name="SF", auth_method="jwt_bearer", secret="x", api_version="62"
        )
    )
    assert set(salesforce) == {"api_version", "client_id", "secret", "username"}


def test_bindings_fit_the_key_result_and_the_connection(world, connect, jira_cloud, salesforce):
    jira = connect.jira_cloud(jira_cloud)
    sf = connect.salesforce(salesforce)
    goal = world.goal(
        "Kinds",
        krs=[metric(0, 10), milestone(), total(0, 10), metric(0, 100, unit="%")],
    )
    plain, done, summed, percent = (world.kr(goal, i) for i in range(4))

    def bind(kr, connection, mode, query="project = ONB", **kw):
        return lambda: services.bind_key_result(
            actor=world.ceo, key_result=kr, connection=connection, mode=mode, query=query, **kw
        )

    assert "key_result" in errors_of(bind(done, jira, "jira_count"))
    assert "key_result" in errors_of(bind(summed, jira, "jira_count"))
    assert "mode" in errors_of(bind(plain, jira, "soql_scalar"))
    assert "mode" in errors_of(bind(plain, sf, "jira_count"))
    assert "mode" in errors_of(bind(plain, jira, "jira_done_ratio"))  # needs a KR in %
    assert "field" in errors_of(bind(plain, jira, "jira_sum"))
    assert "query" in errors_of(bind(plain, jira, "jira_count", query="  "))
    assert "query" in errors_of(bind(plain, sf, "soql_scalar", query="DELETE FROM Account"))
    assert "query" in errors_of(bind(plain, sf, "report_aggregate", query="not-a-report"))
    assert "interval_minutes" in errors_of(bind(plain, jira, "jira_count", interval_minutes=1))
    assert not Binding.objects.exists()
    bind(percent, jira, "jira_done_ratio")()
    bind(plain, sf, "report_aggregate", query="00O5e000008PIPE", field="s!Amount")()
    assert Binding.objects.count() == 2


def test_closed_goals_take_no_new_binding(world, connect, jira_cloud):
    jira = connect.jira_cloud(jira_cloud)
    goal = world.goal("Done", krs=[metric(0, 10)])
    goals.close_goal(actor=world.ceo, goal=goal, score="1", outcome="achieved")
    with pytest.raises(ValidationError, match="closed"):
        services.bind_key_result(
            actor=world.ceo,
            key_result=world.kr(goal),
            connection=jira,
            mode="jira_count",
            query="x = 1",
        )


def test_a_connection_that_feeds_key_results_is_not_removed(world, connect, jira_cloud):
    jira = connect.jira_cloud(jira_cloud)
    goal = world.goal("Count", krs=[metric(0, 10)])
    services.bind_key_result(
        actor=world.ceo,
        key_result=world.kr(goal),
        connection=jira,
        mode="jira_count",
        query="project = ONB",
    )
    with pytest.raises(ValidationError, match="1 key result takes values from this connection"):
        services.remove_connection(actor=world.ceo, connection=jira)
    services.unbind_key_result(actor=world.ceo, key_result=world.kr(goal))
    services.remove_connection(actor=world.ceo, connection=jira)


def test_retry_after_reads_seconds_and_http_dates():
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert retry_after("120", now) == 120
    assert retry_after("Mon, 23 Nov 2026 12:02:00 GMT", now) == 120
    assert retry_after("Mon, 23 Nov 2026 11:00:00 GMT", now) == 0  # in the past: now
    assert retry_after("soon", now) is None
    assert retry_after(None, now) is None
    assert retry_after("-5", now) == 0
    assert retry_after(str(timedelta(seconds=3).total_seconds()), now) == 3
