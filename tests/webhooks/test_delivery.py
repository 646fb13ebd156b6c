"""Webhooks end to end against a real local HTTP server: an audit event becomes a signed POST,
retried with backoff, replayable; the secret never shows after creation."""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
from django_tasks_db.models import DBTaskResult
from standardwebhooks.webhooks import Webhook

from cascade.audit.models import AuditEvent, EventKind
from cascade.core import clock
from cascade.integrations.encryption import unseal
from cascade.webhooks import services, tasks
from cascade.webhooks.models import Delivery, DeliveryStatus, Endpoint

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def hook(world, receiver, **kw) -> services.Created:
    return services.create_endpoint(actor=world.ceo, url=receiver.url, **kw)


def goal_with_kr(world):
    return world.goal("Grow revenue", krs=[{"kind": "metric", "start": 0, "target": 100}])


def check_in(world, goal, value, capture):
    with capture(execute=True):
        world.check_in(goal, value)
    return Delivery.objects.filter(kind=EventKind.CHECKED_IN).latest("pk")


def test_the_standard_webhooks_example_vector_signs_as_the_spec_says():
    # From the Standard Webhooks specification's test vectors.
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    moment = datetime.fromtimestamp(1614265330, tz=UTC)
    headers = tasks.sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", moment, '{"test": 2432232314}')
    assert headers == {
        "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "webhook-timestamp": "1614265330",
        "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    }


def test_a_check_in_is_posted_signed_and_verifies_with_the_secret(
    world, receiver, django_capture_on_commit_callbacks
):
    created = hook(world, receiver, kinds=[EventKind.CHECKED_IN])
    assert created.secret.startswith("whsec_")
    assert len(base64.b64decode(created.secret.removeprefix("whsec_"))) == 32
    goal = goal_with_kr(world)

    delivery = check_in(world, goal, 40, django_capture_on_commit_callbacks)
    assert Delivery.objects.count() == 1  # only the kind it asked for
    queued = DBTaskResult.objects.filter(task_path=tasks.deliver.module_path)
    assert [q.args_kwargs["args"] for q in queued] == [[delivery.pk]]

    assert tasks.deliver.call(delivery.pk) == "succeeded"
    [request] = receiver.requests
    # The receiver's way: the library's verify, with the secret as shown once.
    payload = Webhook(created.secret).verify(request.body, request.headers)
    assert payload["type"] == "key_result.checked_in"
    assert payload["data"]["organisation"] == world.organisation.slug
    assert float(payload["data"]["data"]["value"]) == 40
    assert request.headers["webhook-id"] == f"evt_{delivery.event_id}"
    assert request.headers["content-type"] == "application/json"
    # And by hand, as docs/api.md tells: HMAC-SHA256 of "id.timestamp.body" with the key bytes.
    key = base64.b64decode(created.secret.removeprefix("whsec_"))
    signed = f"{request.headers['webhook-id']}.{request.headers['webhook-timestamp']}.".encode()
    expected = base64.b64encode(hmac.new(key, signed + request.body, hashlib.sha256).digest())
    assert request.headers["webhook-signature"] == "v1," + expected.decode()

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("succeeded", 1, 200)
    assert delivery.delivered_at is not None
    assert tasks.deliver.call(delivery.pk) == "not due"  # sent once
    assert len(receiver.requests) == 1


def test_failures_are_retried_with_backoff_then_given_up(
    world, receiver, django_capture_on_commit_callbacks
):
    hook(world, receiver)
    goal = goal_with_kr(world)
    with clock.frozen_at(T0):
        delivery = check_in(world, goal, 10, django_capture_on_commit_callbacks)
    for _ in range(tasks.ATTEMPTS):
        receiver.answer(500)

    moment = T0
    for attempt, wait in enumerate(tasks.BACKOFF, start=1):
        with clock.frozen_at(moment):
            assert delivery.pk in tasks.queue_due(moment)
            assert tasks.deliver.call(delivery.pk) == "retry"
        delivery.refresh_from_db()
        assert delivery.attempts == attempt
        assert delivery.next_attempt_at == moment + wait
        assert delivery.last_status_code == 500
        # Not due a second before its time.
        early = moment + wait - timedelta(seconds=1)
        with clock.frozen_at(early):
            assert delivery.pk not in tasks.queue_due(early)
            assert tasks.deliver.call(delivery.pk) == "not due"
        moment += wait

    with clock.frozen_at(moment):
        assert tasks.queue_due(moment) == [delivery.pk]
        assert tasks.deliver.call(delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == tasks.ATTEMPTS == 6
    assert "Gave up after 6 attempts" in delivery.last_error
    assert len(receiver.requests) == 6
    # Every attempt carries the same message id, signed afresh.
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1


def test_a_retry_succeeds_and_retry_after_is_honoured(
    world, receiver, django_capture_on_commit_callbacks
):
    hook(world, receiver)
    goal = goal_with_kr(world)
    with clock.frozen_at(T0):
        delivery = check_in(world, goal, 10, django_capture_on_commit_callbacks)
        receiver.answer(429, Retry_After="600")
        assert tasks.deliver.call(delivery.pk) == "retry"
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == T0 + timedelta(minutes=10)  # later than the 30 s backoff

    with clock.frozen_at(T0 + timedelta(minutes=10)):
        assert tasks.deliver.call(delivery.pk) == "succeeded"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 2)


def test_410_gone_switches_the_endpoint_off_and_other_4xx_fail_for_good(
    world, receiver, django_capture_on_commit_callbacks
):
    created = hook(world, receiver)
    goal = goal_with_kr(world)
    first = check_in(world, goal, 10, django_capture_on_commit_callbacks)
    receiver.answer(400)
    assert tasks.deliver.call(first.pk) == "failed"
    first.refresh_from_db()
    assert (first.status, first.last_status_code) == ("failed", 400)

    second = check_in(world, goal, 20, django_capture_on_commit_callbacks)
    receiver.answer(410)
    assert tasks.deliver.call(second.pk) == "failed"
    endpoint = Endpoint.objects.get(pk=created.endpoint.pk)
    assert not endpoint.active
    assert "410" in endpoint.disabled_reason

    # Switched off: the next events are not even stored for it.
    before = Delivery.objects.count()
    check_in(world, goal, 30, django_capture_on_commit_callbacks)
    assert Delivery.objects.count() == before


def test_replay_sends_the_message_again(world, receiver, django_capture_on_commit_callbacks):
    hook(world, receiver)
    goal = goal_with_kr(world)
    delivery = check_in(world, goal, 10, django_capture_on_commit_callbacks)
    tasks.deliver.call(delivery.pk)

    with django_capture_on_commit_callbacks(execute=True):
        again = services.replay(actor=world.ceo, delivery=delivery)
    assert again.pk != delivery.pk
    assert again.replay_of_id == delivery.pk
    assert tasks.deliver.call(again.pk) == "succeeded"
    first, second = receiver.requests[0], receiver.requests[-1]
    assert first.body == second.body
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert AuditEvent.objects.filter(kind=EventKind.WEBHOOK_REPLAYED).exists()


def test_an_event_rolled_back_is_never_sent(world, receiver, django_capture_on_commit_callbacks):
    from django.db import transaction

    hook(world, receiver)
    goal = goal_with_kr(world)
    before = Delivery.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                world.check_in(goal, 50)
                raise RuntimeError("undo")
        except RuntimeError:
            pass
    assert Delivery.objects.count() == before


def test_private_addresses_are_refused_unless_allowed(world, settings):
    from django.core.exceptions import ValidationError

    settings.CASCADE_WEBHOOKS_ALLOW_PRIVATE = False
    for url, code in [
        ("http://hooks.example.com/x", "https_required"),
        ("https://127.0.0.1/x", "address_private"),
        ("https://10.1.2.3/x", "address_private"),
        ("https://[::1]/x", "address_private"),
        ("https://localhost:8443/x", "address_private"),
        ("https://169.254.169.254/latest", "address_private"),
        ("not a url", "url_invalid"),
    ]:
        with pytest.raises(ValidationError) as refused:
            services.create_endpoint(actor=world.ceo, url=url)
        assert refused.value.error_dict["url"][0].code == code, url
    created = services.create_endpoint(actor=world.ceo, url="https://hooks.example.com/x")
    assert created.endpoint.url == "https://hooks.example.com/x"


def test_a_name_that_resolves_to_a_private_address_is_not_sent_to(
    world, receiver, settings, monkeypatch, django_capture_on_commit_callbacks
):
    import socket

    hook(world, receiver)  # registered while allowed (the receiver's fixture)
    settings.CASCADE_WEBHOOKS_ALLOW_PRIVATE = False
    Endpoint.objects.update(url=receiver.url.replace("127.0.0.1", "hooks.internal.example"))
    # The name resolution (not the database) answers as a hostile DNS record would.
    monkeypatch.setattr(
        socket, "getaddrinfo", lambda *a, **k: [(socket.AF_INET, 1, 6, "", ("10.0.0.5", 0))]
    )
    goal = goal_with_kr(world)
    delivery = check_in(world, goal, 10, django_capture_on_commit_callbacks)
    assert tasks.deliver.call(delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert "private address" in delivery.last_error
    assert receiver.requests == []


def test_a_name_that_does_not_resolve_is_retried(
    world, receiver, settings, django_capture_on_commit_callbacks
):
    hook(world, receiver)
    settings.CASCADE_WEBHOOKS_ALLOW_PRIVATE = False
    Endpoint.objects.update(url="https://nowhere.invalid/hooks")
    goal = goal_with_kr(world)
    delivery = check_in(world, goal, 10, django_capture_on_commit_callbacks)
    assert tasks.deliver.call(delivery.pk) == "retry"
    delivery.refresh_from_db()
    assert delivery.last_error.startswith("Could not connect")


def test_the_secret_is_sealed_and_never_logged(
    world, receiver, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    created = hook(world, receiver)
    endpoint = Endpoint.objects.get(pk=created.endpoint.pk)
    assert created.secret not in endpoint.secret_sealed
    assert unseal(endpoint.secret_sealed) == created.secret
    assert created.secret not in repr(endpoint)
    goal = goal_with_kr(world)
    delivery = check_in(world, goal, 10, django_capture_on_commit_callbacks)
    receiver.answer(500)
    tasks.deliver.call(delivery.pk)
    with clock.frozen_at(clock.now() + timedelta(minutes=1)):
        receiver.answer(404)
        tasks.deliver.call(delivery.pk)
    key = created.secret.removeprefix("whsec_")
    assert key not in caplog.text
    stored = json.dumps(list(Delivery.objects.values()), default=str)
    stored += json.dumps(list(AuditEvent.objects.values("data")), default=str)
    assert key not in stored


def test_a_batch_of_one_endpoint_is_sent_in_order_by_one_task(
    world, receiver, django_capture_on_commit_callbacks
):
    hook(world, receiver)
    goal = goal_with_kr(world)
    first = check_in(world, goal, 10, django_capture_on_commit_callbacks)
    second = check_in(world, goal, 20, django_capture_on_commit_callbacks)
    receiver.answer(503)
    assert tasks.deliver_many.call([first.pk, second.pk]) == {"retry": 1, "succeeded": 1}
    assert [json.loads(r.body)["data"]["id"] for r in receiver.requests] == [
        first.event_id,
        second.event_id,
    ]


def test_the_send_connects_to_the_address_it_checked_not_a_second_lookup(
    world, receiver, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """DNS rebinding: the name is resolved once, checked, and that address is connected to."""
    import socket

    from cascade.webhooks import targets

    hook(world, receiver)
    settings.CASCADE_WEBHOOKS_ALLOW_PRIVATE = False
    port = receiver.url.split(":")[2].split("/")[0]
    Endpoint.objects.update(url=receiver.url.replace("127.0.0.1", "hooks.pinned.example"))
    lookups = []
    real_getaddrinfo = socket.getaddrinfo

    def resolve(host, *args, **kwargs):
        if host != "hooks.pinned.example":  # the connection to the address literal
            return real_getaddrinfo(host, *args, **kwargs)
        lookups.append(host)  # a second lookup of the name would answer a private address
        address = "127.0.0.1" if len(lookups) == 1 else "10.0.0.5"
        return [(socket.AF_INET, 1, 6, "", (address, 0))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)

    def public(address):
        ipaddress.ip_address(address)  # a name is not an address (ValueError), as in targets
        return address == "127.0.0.1"  # the receiver stands in for a public address

    monkeypatch.setattr(targets, "_public", public)
    goal = goal_with_kr(world)
    delivery = check_in(world, goal, 10, django_capture_on_commit_callbacks)

    assert tasks.deliver.call(delivery.pk) == "succeeded"
    assert lookups == ["hooks.pinned.example"]
    [received] = receiver.requests
    assert received.headers["host"] == f"hooks.pinned.example:{port}"


@pytest.mark.parametrize(
    "address",
    [
        "64:ff9b::a00:5",
        "::7f00:1",
        "fec0::1",
        "2002:a00:5::1",
        "::ffff:10.0.0.5",
        "169.254.169.254",
    ],
)
def test_ipv6_forms_that_reach_private_ipv4_are_not_public(address):
    from cascade.webhooks import targets

    assert not targets._public(address)


@pytest.mark.parametrize("header", ["99999999999999", "²", "-5", "Mon, 99 Foo 99999 99:99:99 GMT"])
def test_a_nonsense_retry_after_is_ignored(header):
    import httpx

    from cascade.webhooks.tasks import _retry_after

    # Header values arrive as bytes: a "²" is what latin-1 makes of them.
    headers = httpx.Headers({"retry-after": header.encode("utf-8")})
    assert _retry_after(headers, clock.now()) is None
