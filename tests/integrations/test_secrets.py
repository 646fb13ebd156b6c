"""Secrets at rest: sealed with CASCADE_ENCRYPTION_KEYS, never stored, shown or logged plain."""

from __future__ import annotations

import logging
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.management import CommandError, call_command
from django.db import connection

from cascade.audit.models import AuditEvent
from cascade.integrations import encryption, services
from cascade.integrations.models import Connection, RunStatus, SyncRun
from tests.builders import metric
from tests.integrations.conftest import JIRA_PAT, JIRA_TOKEN, SF_SECRET, run_worker

pytestmark = pytest.mark.django_db(transaction=True)

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


def every_stored_text() -> str:
    """Every row of every table, as text: what someone with a database dump would read."""
    dump = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            dump.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(dump)


def bind_all(world, jira, jira_dc, salesforce):
    goal = world.goal("Everything", krs=[metric(0, 100) for _ in range(3)])
    for index, (conn, mode, query) in enumerate(
        [
            (jira, "jira_count", "project = ONB"),
            (jira_dc, "jira_count", "project = ONB"),
            (salesforce, "soql_scalar", "SELECT COUNT() FROM Opportunity"),
        ]
    ):
        services.bind_key_result(
            actor=world.ceo,
            key_result=world.kr(goal, index),
            connection=conn,
            mode=mode,
            query=query,
        )


def test_the_database_holds_no_plain_secret(
    world, connect, jira_cloud, jira_dc, salesforce, jwt_key, caplog
):
    caplog.set_level(logging.DEBUG)
    jira = connect.jira_cloud(jira_cloud)
    dc = connect.jira_dc(jira_dc)
    sf = connect.salesforce(salesforce)
    sf_jwt = connect.salesforce_jwt(salesforce, jwt_key)
    bind_all(world, jira, dc, sf)
    run_worker()
    assert set(SyncRun.objects.values_list("status", flat=True)) == {RunStatus.SUCCEEDED}
    for conn in (jira, dc, sf, sf_jwt):
        assert services.try_connection(actor=world.ceo, connection=conn).ok
    [access_token, *_] = salesforce.sessions  # the cached Salesforce session
    assert Connection.objects.get(pk=sf.pk).access_token_sealed  # it is cached, sealed

    stored = every_stored_text()
    logged = "\n".join(r.getMessage() for r in caplog.records)
    key_body = "".join(jwt_key.strip().splitlines()[1:-1])[:64]
    for secret in (JIRA_TOKEN, JIRA_PAT, SF_SECRET, access_token, key_body):
        assert secret not in stored
        assert secret not in logged
    assert "Connection" in repr(jira)
    assert JIRA_TOKEN not in repr(jira)
    assert encryption.unseal(Connection.objects.get(pk=jira.pk).secret_sealed) == JIRA_TOKEN


def test_audit_events_name_what_changed_never_the_secret(world, connect, jira_cloud):
    jira = connect.jira_cloud(jira_cloud)
    services.change_connection(actor=world.ceo, connection=jira, secret="a-brand-new-token")
    event = AuditEvent.objects.get(kind="connection.changed")
    assert event.data["changed"] == ["secret"]
    assert "a-brand-new-token" not in repr(list(AuditEvent.objects.values_list("data", flat=True)))


def test_a_wrong_key_fails_with_an_error_naming_the_variable(world, connect, jira_cloud, settings):
    jira = connect.jira_cloud(jira_cloud)
    goal = world.goal("Count", krs=[metric(0, 10)])
    kr = world.kr(goal)
    services.bind_key_result(
        actor=world.ceo, key_result=kr, connection=jira, mode="jira_count", query="project = ONB"
    )
    settings.CASCADE_ENCRYPTION_KEYS = [NEW_KEY]  # not the key that sealed it
    with pytest.raises(encryption.SecretUnreadable, match="CASCADE_ENCRYPTION_KEYS"):
        encryption.unseal(Connection.objects.get(pk=jira.pk).secret_sealed)
    result = services.try_connection(actor=world.ceo, connection=jira)
    assert not result.ok
    assert "CASCADE_ENCRYPTION_KEYS" in result.message
    Connection.objects.filter(pk=jira.pk).update(status="ok")
    run_worker()
    run = SyncRun.objects.get()
    assert run.error_kind == "auth"
    assert "cannot be decrypted with the keys in CASCADE_ENCRYPTION_KEYS" in run.error
    assert jira_cloud.requests == []  # nothing was sent without the secret


def test_missing_or_malformed_keys_are_named(world, settings):
    settings.CASCADE_ENCRYPTION_KEYS = []
    with pytest.raises(ImproperlyConfigured, match="CASCADE_ENCRYPTION_KEYS is not set"):
        encryption.seal("x")
    with pytest.raises(ValidationError, match="CASCADE_ENCRYPTION_KEYS is not set"):
        services.create_connection(
            actor=world.ceo,
            service="jira_dc",
            name="No keys",
            base_url="https://jira.example.com",
            secret="token",
        )
    settings.CASCADE_ENCRYPTION_KEYS = [NEW_KEY, "not-a-key"]
    with pytest.raises(
        ImproperlyConfigured, match="CASCADE_ENCRYPTION_KEYS: key 2 is not a Fernet key"
    ):
        encryption.seal("x")


def test_keys_rotate(world, connect, jira_cloud, salesforce, settings):
    settings.CASCADE_ENCRYPTION_KEYS = [OLD_KEY]
    jira = connect.jira_cloud(jira_cloud)
    sf = connect.salesforce(salesforce)
    assert services.try_connection(actor=world.ceo, connection=sf).ok  # caches a token too
    settings.CASCADE_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]  # new first, old still opens
    assert services.try_connection(actor=world.ceo, connection=jira).ok
    out = StringIO()
    call_command("rotate_encryption_keys", stdout=out)
    assert "Re-encrypted 3 secrets of 2 connections" in out.getvalue()
    settings.CASCADE_ENCRYPTION_KEYS = [NEW_KEY]  # the old key is gone
    assert encryption.unseal(Connection.objects.get(pk=jira.pk).secret_sealed) == JIRA_TOKEN
    assert services.try_connection(actor=world.ceo, connection=jira).ok
    assert services.try_connection(actor=world.ceo, connection=sf).ok
    assert AuditEvent.objects.filter(kind="connection.keys_rotated").count() == 1


def test_rotation_without_the_old_key_stops_and_says_so(world, connect, jira_cloud, settings):
    settings.CASCADE_ENCRYPTION_KEYS = [OLD_KEY]
    connect.jira_cloud(jira_cloud)
    settings.CASCADE_ENCRYPTION_KEYS = [NEW_KEY]
    with pytest.raises(CommandError, match="CASCADE_ENCRYPTION_KEYS"):
        call_command("rotate_encryption_keys", stdout=StringIO())


def test_the_installation_admin_shows_no_secret(world, connect, jira_cloud, client):
    jira = connect.jira_cloud(jira_cloud)
    sealed = Connection.objects.get(pk=jira.pk).secret_sealed
    operator = world.ceo.user
    operator.is_staff = operator.is_superuser = True
    operator.save()
    assert client.login(username=operator.email, password="pw-for-tests-only")
    page = client.get(f"/admin/integrations/connection/{jira.pk}/change/")
    assert page.status_code == 200
    assert "Jira" in page.text
    assert sealed[:40] not in page.text
    assert JIRA_TOKEN not in page.text
