"""Password guessing: failed sign-ins are limited per (email, client address) and per address,
on the web login, the admin login and POST /api/v1/tokens alike, in a cache every process shares.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from axes.helpers import make_cache_key_list
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings

from cascade.accounts.clients import client_address
from cascade.api.models import ApiToken
from cascade.audit.models import AuditEvent, EventKind
from cascade.orgs import services as orgs
from tests.api.conftest import Api
from tests.builders import make_world

PASSWORD = "pw-for-tests-only"
LIMIT = settings.AXES_FAILURE_LIMIT
ROOT = Path(__file__).resolve().parent.parent


def token_body(member, password: str = PASSWORD) -> dict:
    return {"email": member.user.email, "password": password}


def from_address(address: str) -> Api:
    return Api(client=Client(REMOTE_ADDR=address))


def guess_api(member, times: int, address: str = "203.0.113.7", **headers: str) -> list[int]:
    api = from_address(address)
    return [
        api.post("/tokens", token_body(member, f"guess-{i}"), headers=headers).status
        for i in range(times)
    ]


def sign_in(path: str, member, password: str, address: str = "203.0.113.7", email: str = ""):
    client = Client(REMOTE_ADDR=address)
    response = client.post(path, {"username": email or member.user.email, "password": password})
    return client, response


# --------------------------------------------------------------------------- the API


def test_the_right_password_from_another_address_works_after_a_lockout(world):
    statuses = guess_api(world.ceo, LIMIT)
    assert statuses[:-1] == [401] * (LIMIT - 1)
    assert statuses[-1] == 429  # the last failure locks the pair

    locked = from_address("203.0.113.7").post("/tokens", token_body(world.ceo))
    assert locked.status == 429
    assert locked.error["code"] == "throttled"
    assert "Too many failed sign-ins" in locked.error["message"]
    assert int(locked.headers["Retry-After"]) == 15 * 60

    elsewhere = from_address("198.51.100.20").post("/tokens", token_body(world.ceo))
    assert elsewhere.status == 201
    assert ApiToken.objects.count() == 1


def test_the_email_is_counted_whatever_its_case(world):
    api = from_address("203.0.113.7")
    for i in range(LIMIT):
        body = token_body(world.ceo, f"guess-{i}")
        body["email"] = body["email"].upper() if i % 2 else f" {body['email']} "
        api.post("/tokens", body)
    assert api.post("/tokens", token_body(world.ceo)).status == 429


def test_a_spoofed_forwarded_for_does_not_bypass_the_limits(world):
    # No trusted proxy (the default): X-Forwarded-For is the client's own words, ignored.
    api = from_address("203.0.113.7")
    statuses = [
        api.post(
            "/tokens",
            token_body(world.ceo, "guess"),
            headers={"X-Forwarded-For": f"10.0.{i}.1"},
        ).status
        for i in range(LIMIT)
    ]
    assert statuses[-1] == 429
    spoofed = api.post("/tokens", token_body(world.ceo), headers={"X-Forwarded-For": "10.9.9.9"})
    assert spoofed.status == 429


@override_settings(CASCADE_TRUSTED_PROXIES=1)
def test_behind_one_proxy_only_its_entry_counts(world):
    proxy = from_address("192.0.2.1")
    # The client puts anything it likes at the left; our proxy appends the real address.
    statuses = [
        proxy.post(
            "/tokens",
            token_body(world.ceo, "guess"),
            headers={"X-Forwarded-For": f"10.0.{i}.1, 203.0.113.7"},
        ).status
        for i in range(LIMIT)
    ]
    assert statuses[-1] == 429
    again = proxy.post(
        "/tokens", token_body(world.ceo), headers={"X-Forwarded-For": "1.1.1.1, 203.0.113.7"}
    )
    assert again.status == 429
    # Another client behind the same proxy is another address.
    other = proxy.post("/tokens", token_body(world.ceo), headers={"X-Forwarded-For": "203.0.113.8"})
    assert other.status == 201


@pytest.mark.parametrize(
    ("trusted", "remote", "forwarded", "expected"),
    [
        (0, "203.0.113.7", "10.0.0.1", "203.0.113.7"),
        (1, "192.0.2.1", "10.0.0.1, 203.0.113.7", "203.0.113.7"),
        (2, "192.0.2.2", "10.0.0.1, 203.0.113.7, 192.0.2.1", "203.0.113.7"),
        (2, "192.0.2.2", "192.0.2.1", "192.0.2.2"),  # fewer entries than proxies
        (1, "192.0.2.1", "not-an-address", "192.0.2.1"),
        (1, "192.0.2.1", "", "192.0.2.1"),
    ],
)
def test_client_address(rf, trusted, remote, forwarded, expected):
    request = rf.get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    with override_settings(CASCADE_TRUSTED_PROXIES=trusted):
        assert client_address(request) == expected


def test_a_right_password_before_the_limit_forgets_the_failures(world):
    guess_api(world.ceo, LIMIT - 1)
    assert from_address("203.0.113.7").post("/tokens", token_body(world.ceo)).status == 201
    assert guess_api(world.ceo, LIMIT - 1) == [401] * (LIMIT - 1)


# --------------------------------------------------------------------------- the web and admin logins


@pytest.mark.parametrize("path", ["/login/", "/admin/login/"])
def test_web_and_admin_logins_are_limited(world, path):
    world.ceo.user.is_staff = True  # the admin lets in staff only
    world.ceo.user.save()
    for i in range(LIMIT - 1):
        _, response = sign_in(path, world.ceo, f"guess-{i}")
        assert response.status_code == 200
        assert b"Too many" not in response.content
    _, response = sign_in(path, world.ceo, "guess-last")
    assert b"Too many failed sign-ins" in response.content

    client, response = sign_in(path, world.ceo, PASSWORD)
    assert response.status_code == 200  # the form again, with the error: not signed in
    assert b"Too many failed sign-ins" in response.content
    assert "_auth_user_id" not in client.session

    client, response = sign_in(path, world.ceo, PASSWORD, address="198.51.100.20")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(world.ceo.user.pk)


def test_the_web_login_and_the_api_share_the_pair_s_count(world):
    for i in range(LIMIT - 1):
        sign_in("/login/", world.ceo, f"guess-{i}")
    assert guess_api(world.ceo, 1) == [429]


def test_the_per_address_limit_counts_every_door(world):
    for i in range(10):  # many email addresses, none locked on its own
        sign_in("/login/", world.ceo, "guess", address="203.0.113.0", email=f"n{i}@example.com")
    _, response = sign_in("/login/", world.ceo, PASSWORD, address="203.0.113.0")
    assert b"Too many sign-in attempts from your network" in response.content
    assert from_address("203.0.113.0").post("/tokens", token_body(world.ceo)).status == 429
    assert from_address("203.0.113.5").post("/tokens", token_body(world.ceo)).status == 201


# --------------------------------------------------------------------------- one cache for all


def test_the_counts_are_kept_in_a_shared_cache(world):
    backend = settings.CACHES["default"]["BACKEND"]
    assert backend in {
        "django.core.cache.backends.db.DatabaseCache",
        "django.core.cache.backends.redis.RedisCache",  # CACHE_URL=redis://…
    }
    guess_api(world.ceo, 2)
    if backend.endswith("RedisCache"):
        assert (
            cache.get(
                make_cache_key_list(
                    [{"username": world.ceo.user.email, "ip_address": "203.0.113.7"}]
                )[0]
            )
            == 2
        )
        return
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {settings.CACHE_TABLE}")
        assert cursor.fetchone()[0] >= 2  # the pair's failures and the address's attempts


SECOND_PROCESS = """
import json, sys
import django
django.setup()
from django.test.utils import setup_test_environment
setup_test_environment()
from django.test import Client
body = json.loads(sys.argv[1])
answer = Client(REMOTE_ADDR="203.0.113.7").post(
    "/api/v1/tokens", data=json.dumps(body), content_type="application/json"
)
print(answer.status_code)
"""


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_a_lockout_holds_in_another_process():
    world = make_world()
    assert guess_api(world.ceo, LIMIT)[-1] == 429

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url(),
    }
    second = subprocess.run(
        [sys.executable, "-c", SECOND_PROCESS, json.dumps(token_body(world.ceo))],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert second.returncode == 0, second.stderr[-2000:]
    assert second.stdout.split()[-1] == "429"


# --------------------------------------------------------------------------- the audit trail


def test_failed_sign_ins_are_audited_in_each_organisation_without_the_password(world):
    elsewhere = make_world()
    orgs.add_member(actor=elsewhere.ceo, user=world.ceo.user)
    guess_api(world.ceo, 1)
    sign_in("/login/", world.ceo, "wrong-in-the-browser")

    events = AuditEvent.objects.filter(kind=EventKind.SIGN_IN_FAILED).order_by("id")
    assert {e.organisation_id for e in events} == {
        world.organisation.pk,
        elsewhere.organisation.pk,
    }
    assert len(events) == 4  # two attempts, each in both organisations
    for event in events:
        assert event.actor_id is None
        assert event.object_type == "member"
        membership = world.ceo.user.memberships.get(organisation_id=event.organisation_id)
        assert event.object_id == membership.pk
        assert set(event.data) == {"email", "via", "address", "locked_out"}
        assert event.data["email"] == world.ceo.user.email
        assert event.data["address"] == "203.0.113.7"
        text = json.dumps(event.data)
        assert "guess" not in text
        assert "wrong" not in text
        assert elsewhere.organisation.slug not in text
        assert world.organisation.slug not in text
    assert [e.data["via"] for e in events[::2]] == ["api", "web"]


def test_failed_sign_ins_for_no_account_are_not_audited(world):
    Api().post("/tokens", {"email": "nobody@example.com", "password": "x"})
    assert not AuditEvent.objects.filter(kind=EventKind.SIGN_IN_FAILED).exists()


def test_the_lockout_is_in_the_audit_trail(world):
    guess_api(world.ceo, LIMIT)
    locked = AuditEvent.objects.filter(kind=EventKind.SIGN_IN_FAILED).order_by("id")
    assert [e.data["locked_out"] for e in locked] == [False] * (LIMIT - 1) + [True]


def test_sign_ins_are_audited(world):
    elsewhere = make_world()
    orgs.add_member(actor=elsewhere.ceo, user=world.ceo.user)
    sign_in("/login/", world.ceo, PASSWORD)
    web = AuditEvent.objects.filter(kind=EventKind.SIGNED_IN)
    assert {e.organisation_id for e in web} == {world.organisation.pk, elsewhere.organisation.pk}
    assert all(e.data == {"via": "web", "address": "203.0.113.7"} for e in web)

    body = {**token_body(world.ceo), "organisation": elsewhere.organisation.slug}
    assert from_address("203.0.113.7").post("/tokens", body).status == 201
    api = AuditEvent.objects.filter(kind=EventKind.SIGNED_IN, data__via="api")
    assert [e.organisation_id for e in api] == [elsewhere.organisation.pk]
