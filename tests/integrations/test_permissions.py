"""Who may do what with data sources, in the services and on the web.

Connections: super users only (PermissionDenied in the services, 403 on the web). Binding a key
result, unbinding it, "sync now" and previews: its goal's owner or a super user. Another
organisation's connections and key results are not found (404), never forbidden.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from cascade.core.errors import NotFound
from cascade.integrations import services
from cascade.integrations.models import Binding, Connection, SyncRun
from cascade.orgs.models import Role
from tests.builders import make_world, metric
from tests.integrations.conftest import PASSWORD

JQL = "project = ONB"


def sign_in(client, member):
    client.logout()
    assert client.login(username=member.user.email, password=PASSWORD)
    return client


@pytest.fixture
def people(world, connect, jira_cloud):
    """The CEO (super user), Vera (a member who owns a goal), Max (Vera's manager, a member),
    Sam (a second super user); one Jira connection; Vera's KR."""
    max_ = world.person("Max Manager", manager=world.ceo)
    vera = world.person("Vera Owner", manager=max_)
    sam = world.person("Sam Super", role=Role.SUPER_USER)
    goal = world.goal("Vera's goal", owner=vera, krs=[metric(0, 10)])
    connection = connect.jira_cloud(jira_cloud)
    return {
        "ceo": world.ceo,
        "max": max_,
        "vera": vera,
        "sam": sam,
        "kr": world.kr(goal),
        "connection": connection,
        "goal": goal,
    }


def bind(actor, kr, connection):
    return services.bind_key_result(
        actor=actor, key_result=kr, connection=connection, mode="jira_count", query=JQL
    )


# --------------------------------------------------------------------------- services


def test_members_cannot_manage_connections(db, people, jira_cloud):
    vera, connection = people["vera"], people["connection"]
    with pytest.raises(PermissionDenied):
        services.create_connection(
            actor=vera,
            service="jira_dc",
            name="Mine",
            base_url="https://jira.example.com",
            secret="x",
        )
    with pytest.raises(PermissionDenied):
        services.change_connection(actor=vera, connection=connection, name="Renamed")
    with pytest.raises(PermissionDenied):
        services.try_connection(actor=vera, connection=connection)
    with pytest.raises(PermissionDenied):
        services.remove_connection(actor=vera, connection=connection)
    assert Connection.objects.get().name == "Jira"
    assert jira_cloud.requests == []


def test_only_the_goal_owner_or_a_super_user_binds(db, people):
    kr, connection = people["kr"], people["connection"]
    with pytest.raises(PermissionDenied):
        bind(people["max"], kr, connection)  # her manager is not enough
    bind(people["vera"], kr, connection)
    bind(people["sam"], kr, connection)  # a super user may change it
    assert Binding.objects.get().created_by == people["vera"]
    with pytest.raises(PermissionDenied):
        services.request_sync(actor=people["max"], key_result=kr)
    with pytest.raises(PermissionDenied):
        services.unbind_key_result(actor=people["max"], key_result=kr)
    with pytest.raises(PermissionDenied):
        services.preview(
            actor=people["max"], key_result=kr, connection=connection, mode="jira_count", query=JQL
        )
    services.request_sync(actor=people["vera"], key_result=kr)
    services.unbind_key_result(actor=people["ceo"], key_result=kr)
    assert not Binding.objects.exists()


def test_other_organisations_are_not_found(db, people, connect, jira_cloud):
    other = make_world("Globex")
    their_goal = other.goal("Theirs", krs=[metric(0, 10)])
    their_kr = other.kr(their_goal)
    with pytest.raises(NotFound):
        bind(people["ceo"], their_kr, people["connection"])  # our connection, their KR
    mine = people["kr"]
    their_connection = services.create_connection(
        actor=other.ceo, service="jira_dc", name="Theirs", base_url=jira_cloud.url, secret="t"
    )
    with pytest.raises(NotFound):
        bind(people["ceo"], mine, their_connection)  # our KR, their connection
    for call in (
        lambda: services.change_connection(
            actor=people["ceo"], connection=their_connection, name="Mine"
        ),
        lambda: services.try_connection(actor=people["ceo"], connection=their_connection),
        lambda: services.remove_connection(actor=people["ceo"], connection=their_connection),
        lambda: services.request_sync(actor=people["ceo"], key_result=their_kr),
    ):
        with pytest.raises(NotFound):
            call()


# --------------------------------------------------------------------------- web


def test_members_get_403_from_every_connection_page(client, db, people):
    sign_in(client, people["vera"])
    org = people["ceo"].organisation.slug
    pk = people["connection"].pk
    for path in (
        "settings/connections/",
        "settings/connections/new/jira_cloud/",
        f"settings/connections/{pk}/",
    ):
        assert client.get(f"/o/{org}/{path}").status_code == 403
    for path in (
        "settings/connections/new/jira_cloud/",
        f"settings/connections/{pk}/",
        f"settings/connections/{pk}/test/",
        f"settings/connections/{pk}/remove/",
    ):
        assert (
            client.post(
                f"/o/{org}/{path}", {"name": "Hacked", "base_url": "https://x.example"}
            ).status_code
            == 403
        )
    assert Connection.objects.get().name == "Jira"


def test_binding_pages_follow_the_goal_owner(client, db, people):
    org = people["ceo"].organisation.slug
    kr = people["kr"]
    page = f"/o/{org}/key-results/{kr.pk}/data-source/"
    form = {
        "connection": people["connection"].pk,
        "mode": "jira_count",
        "query": JQL,
        "interval_minutes": 60,
        "action": "save",
    }
    sign_in(client, people["max"])
    assert client.get(page).status_code == 200  # he may look (the goal is public)…
    assert "Take the value from a data source" not in client.get(page).text
    assert client.post(page, form).status_code == 403  # …not bind
    assert client.post(page + "sync/").status_code == 403
    assert not Binding.objects.exists()
    sign_in(client, people["vera"])
    assert client.post(page, form).status_code == 302
    assert Binding.objects.filter(key_result=kr).exists()
    sign_in(client, people["max"])
    assert client.post(page + "remove/").status_code == 403
    assert client.post(page + "sync/").status_code == 403
    assert not SyncRun.objects.filter(trigger="manual").exists()


def test_other_organisations_ids_are_404_on_the_web(client, db, people, jira_cloud):
    other = make_world("Initech")
    their_kr = other.kr(other.goal("Theirs", krs=[metric(0, 10)]))
    their_connection = services.create_connection(
        actor=other.ceo, service="jira_dc", name="Theirs", base_url=jira_cloud.url, secret="t"
    )
    sign_in(client, people["ceo"])
    org = people["ceo"].organisation.slug
    assert client.get(f"/o/{org}/settings/connections/{their_connection.pk}/").status_code == 404
    assert (
        client.post(f"/o/{org}/settings/connections/{their_connection.pk}/test/").status_code == 404
    )
    assert client.get(f"/o/{org}/key-results/{their_kr.pk}/data-source/").status_code == 404
    assert client.post(f"/o/{org}/key-results/{their_kr.pk}/data-source/sync/").status_code == 404
    form = {
        "connection": their_connection.pk,
        "mode": "jira_count",
        "query": JQL,
        "interval_minutes": 60,
        "action": "save",
    }
    answer = client.post(f"/o/{org}/key-results/{people['kr'].pk}/data-source/", form)
    assert answer.status_code == 400  # not one of the choices
    assert not Binding.objects.exists()
