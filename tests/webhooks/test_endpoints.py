"""Who manages webhooks (super users, in their own organisation only), what a write costs when an
organisation has none, and the settings pages."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cascade.audit.models import EventKind
from cascade.core.errors import NotFound
from cascade.webhooks import selectors, services, tasks
from cascade.webhooks.models import Delivery, Endpoint
from tests.builders import make_world
from tests.web.helpers import sign_in, url


def goal_with_kr(world):
    return world.goal("Grow revenue", krs=[{"kind": "metric", "start": 0, "target": 100}])


def test_members_who_are_not_super_users_are_refused(world):
    olga = world.person("Olga")
    created = services.create_endpoint(actor=world.ceo, url="https://hooks.example.com/a")
    with pytest.raises(PermissionDenied):
        services.create_endpoint(actor=olga, url="https://hooks.example.com/b")
    with pytest.raises(PermissionDenied):
        services.change_endpoint(actor=olga, endpoint=created.endpoint, active=False)
    with pytest.raises(PermissionDenied):
        services.remove_endpoint(actor=olga, endpoint=created.endpoint)
    with pytest.raises(PermissionDenied):
        list(selectors.endpoints(olga))
    with pytest.raises(PermissionDenied):
        selectors.get_endpoint(olga, created.endpoint.pk)


def test_another_organisations_endpoints_and_deliveries_do_not_exist(
    world, django_capture_on_commit_callbacks
):
    other = make_world("Elsewhere")
    theirs = services.create_endpoint(actor=other.ceo, url="https://hooks.example.com/t")
    goal = other.goal("Theirs", krs=[{"kind": "metric", "start": 0, "target": 10}])
    with django_capture_on_commit_callbacks(execute=True):
        other.check_in(goal, 3)
    delivery = Delivery.objects.filter(endpoint=theirs.endpoint).first()
    assert delivery is not None

    assert list(selectors.endpoints(world.ceo)) == []
    with pytest.raises(NotFound):
        selectors.get_endpoint(world.ceo, theirs.endpoint.pk)
    with pytest.raises(NotFound):
        selectors.get_delivery(world.ceo, delivery.pk)
    with pytest.raises(NotFound):
        services.change_endpoint(actor=world.ceo, endpoint=theirs.endpoint, active=False)
    with pytest.raises(NotFound):
        services.replay(actor=world.ceo, delivery=delivery)
    # And our events never go to their endpoint.
    mine = goal_with_kr(world)
    with django_capture_on_commit_callbacks(execute=True):
        world.check_in(mine, 5)
    assert Delivery.objects.exclude(organisation=other.organisation).count() == 0


def test_kinds_are_all_or_known_ones(world):
    from django.core.exceptions import ValidationError

    every = services.create_endpoint(actor=world.ceo, url="https://hooks.example.com/a")
    assert every.endpoint.kinds == []
    assert every.endpoint.subscribes(EventKind.GOAL_CLOSED)
    some = services.create_endpoint(
        actor=world.ceo, url="https://hooks.example.com/b", kinds=[EventKind.GOAL_CLOSED]
    )
    assert not some.endpoint.subscribes(EventKind.CHECKED_IN)
    with pytest.raises(ValidationError) as refused:
        services.create_endpoint(
            actor=world.ceo, url="https://h.example.com/", kinds=["goal.eaten"]
        )
    assert refused.value.error_dict["kinds"][0].code == "kind_unknown"


def _check_in_queries(world, kr_goal, value, capture) -> int:
    with CaptureQueriesContext(connection) as captured, capture(execute=True):
        world.check_in(kr_goal, value)
    return len(captured)


def test_a_write_costs_one_query_more_after_its_commit_when_there_are_no_endpoints(
    world, django_capture_on_commit_callbacks
):
    goal = goal_with_kr(world)
    world.check_in(goal, 1)  # warm up
    with CaptureQueriesContext(connection) as inside:
        world.check_in(goal, 2)  # the transaction itself: callbacks not run
    with (
        CaptureQueriesContext(connection) as whole,
        django_capture_on_commit_callbacks(execute=True),
    ):
        world.check_in(goal, 3)
    webhook_queries = [q["sql"] for q in whole.captured_queries if "webhooks_" in q["sql"]]
    assert len(webhook_queries) == 1, webhook_queries
    assert len(whole) - len(inside) <= 1 + _other_callback_queries(whole, inside)
    assert not any("webhooks_" in q["sql"] for q in inside.captured_queries)


def _other_callback_queries(whole, inside) -> int:
    """Queries of on-commit callbacks that are not the webhooks' (notifications' e-mails)."""
    return sum(1 for q in whole.captured_queries if "django_tasks" in q["sql"])


def test_many_endpoints_and_events_cost_a_fixed_number_of_queries(
    world, django_capture_on_commit_callbacks
):
    goal = goal_with_kr(world)
    services.create_endpoint(actor=world.ceo, url="https://hooks.example.com/a")
    with CaptureQueriesContext(connection) as one, django_capture_on_commit_callbacks(execute=True):
        world.check_in(goal, 1)
    for n in range(3):
        services.create_endpoint(actor=world.ceo, url=f"https://hooks.example.com/{n}")
    with (
        CaptureQueriesContext(connection) as four,
        django_capture_on_commit_callbacks(execute=True),
    ):
        world.check_in(goal, 2)

    def ours(captured):
        return [q for q in captured.captured_queries if "webhooks_" in q["sql"]]

    assert len(ours(one)) == len(ours(four)) == 2  # the endpoints; the deliveries, in bulk
    assert Delivery.objects.filter(kind=EventKind.CHECKED_IN).count() == 1 + 4


# --------------------------------------------------------------------------- pages


def test_the_pages_add_show_the_secret_once_switch_off_replay_and_remove(
    client, world, settings, django_capture_on_commit_callbacks
):
    sign_in(client, world.ceo)
    assert client.get(url(world, "settings-webhooks")).status_code == 200
    answer = client.post(
        url(world, "settings-webhooks"),
        {"url": "https://hooks.example.com/cascade", "description": "Our data lake"},
    )
    assert answer.status_code == 201
    endpoint = Endpoint.objects.get()
    secret = answer.context["secret"]
    assert secret.startswith("whsec_")
    assert secret in answer.content.decode()

    page = client.get(url(world, "settings-webhook", endpoint.pk)).content.decode()
    assert secret not in page
    assert "https://hooks.example.com/cascade" in page
    listing = client.get(url(world, "settings-webhooks")).content.decode()
    assert secret not in listing
    assert "Our data lake" in listing

    bad = client.post(url(world, "settings-webhooks"), {"url": "http://hooks.example.com/"})
    assert bad.status_code == 400
    assert "https://" in bad.content.decode()

    goal = goal_with_kr(world)
    with django_capture_on_commit_callbacks(execute=True):
        world.check_in(goal, 7)
    delivery = Delivery.objects.get(kind=EventKind.CHECKED_IN)
    Delivery.objects.filter(pk=delivery.pk).update(status="failed", last_status_code=500)
    page = client.get(url(world, "settings-webhook", endpoint.pk)).content.decode()
    assert "key_result.checked_in" in page
    assert "Replay" in page
    assert "HTTP 500" in page

    client.post(url(world, "settings-webhook-replay", delivery.pk))
    assert Delivery.objects.filter(replay_of=delivery).count() == 1

    client.post(url(world, "settings-webhook-switch", endpoint.pk))
    assert not Endpoint.objects.get().active
    client.post(url(world, "settings-webhook-remove", endpoint.pk))
    assert not Endpoint.objects.exists()


def test_the_pages_refuse_members_and_hide_other_organisations(client, world):
    olga = world.person("Olga")
    mine = services.create_endpoint(actor=world.ceo, url="https://hooks.example.com/a")
    other = make_world("Elsewhere")
    theirs = services.create_endpoint(actor=other.ceo, url="https://hooks.example.com/t")
    sign_in(client, olga)
    assert client.get(url(world, "settings-webhooks")).status_code == 403
    assert client.get(url(world, "settings-webhook", mine.endpoint.pk)).status_code == 403
    sign_in(client, world.ceo)
    assert client.get(url(world, "settings-webhook", theirs.endpoint.pk)).status_code == 404
    assert client.post(url(world, "settings-webhook-remove", theirs.endpoint.pk)).status_code == 404
    assert Endpoint.objects.filter(pk=theirs.endpoint.pk).exists()


def test_the_job_is_registered_with_the_scheduler():
    from cascade.core import scheduler

    job = scheduler._jobs["webhooks.due_deliveries"]
    assert job.run is tasks.queue_due


def test_rotating_the_keys_reseals_the_webhook_secrets(world, settings):
    from io import StringIO

    from django.core.management import call_command

    from cascade.integrations.encryption import unseal

    old, new = (
        "Q2FzY2FkZSB0ZXN0IGtleSwgbmV2ZXIgZm9yIHJlYWw=",
        "TmV3IGtleSBmb3IgdGVzdHMsIG5vdCByZWFsIDEyMzQ=",
    )
    settings.CASCADE_ENCRYPTION_KEYS = [old]
    created = services.create_endpoint(actor=world.ceo, url="https://hooks.example.com/a")
    settings.CASCADE_ENCRYPTION_KEYS = [new, old]
    out = StringIO()
    call_command("rotate_encryption_keys", stdout=out)
    assert "1 webhook secret" in out.getvalue()
    settings.CASCADE_ENCRYPTION_KEYS = [new]
    assert unseal(Endpoint.objects.get().secret_sealed) == created.secret


def test_a_batch_check_in_is_one_query_for_the_endpoints_and_one_task_per_endpoint(
    world, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    from cascade.goals import services as goals

    goal = world.goal(
        "Grow revenue", krs=[{"kind": "metric", "start": 0, "target": 100} for _ in range(5)]
    )
    for n in range(2):
        services.create_endpoint(actor=world.ceo, url=f"https://hooks.example.com/{n}")
    entries = [{"key_result": world.kr(goal, i), "value": 10 + i} for i in range(5)]
    with (
        CaptureQueriesContext(connection) as captured,
        django_capture_on_commit_callbacks(execute=True),
    ):
        goals.check_in_many(actor=world.ceo, entries=entries)
    endpoint_reads = [
        q for q in captured.captured_queries if 'FROM "webhooks_endpoint"' in q["sql"]
    ]
    assert len(endpoint_reads) == 1
    assert Delivery.objects.filter(kind=EventKind.CHECKED_IN).count() == 10
    queued = DBTaskResult.objects.filter(task_path=tasks.deliver_many.module_path)
    assert sorted(len(q.args_kwargs["args"][0]) for q in queued) == [5, 5]
