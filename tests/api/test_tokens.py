"""Personal API tokens: given for a password, kept only as a hash, listed, revoked at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client

from cascade.api.models import ApiToken
from cascade.audit.models import AuditEvent, EventKind
from cascade.core import clock
from cascade.orgs import services as orgs
from tests.api.conftest import Api, api_for
from tests.builders import make_world

PASSWORD = "pw-for-tests-only"


def ask_for_token(who, organisation: str | None = None, **extra) -> dict:
    body = {"email": who.user.email, "password": PASSWORD, **extra}
    if organisation is not None:
        body["organisation"] = organisation
    return body


def test_a_password_gets_a_token_that_works(world):
    answer = Api().post("/tokens", ask_for_token(world.ceo, world.organisation.slug, name="CI"))

    assert answer.status == 201
    token = answer.body["token"]
    assert token.startswith("cascade_")
    assert len(token) > 40
    assert token.startswith(answer.body["prefix"])
    assert answer.body["name"] == "CI"
    assert answer.body["member"] == {"id": world.ceo.pk, "name": world.ceo.user.full_name}
    assert answer.body["organisation"] == world.organisation.slug
    me = Api(token).get("/organisation")
    assert me.status == 200
    assert me.body["slug"] == world.organisation.slug


def test_the_email_is_not_case_sensitive_and_the_us_spelling_works(world):
    body = ask_for_token(world.ceo, organization=world.organisation.slug)
    body["email"] = body["email"].upper()
    assert Api().post("/tokens", body).status == 201


def test_one_organisation_needs_no_name(world):
    assert Api().post("/tokens", ask_for_token(world.ceo)).status == 201


def test_someone_in_two_organisations_names_one(world):
    elsewhere = make_world()
    orgs.add_member(actor=elsewhere.ceo, user=world.ceo.user)

    answer = Api().post("/tokens", ask_for_token(world.ceo))
    assert answer.status == 400
    assert answer.error["code"] == "organisation_required"
    assert "organisation" in answer.error["fields"]

    answer = Api().post("/tokens", ask_for_token(world.ceo, elsewhere.organisation.slug))
    assert answer.status == 201
    assert answer.body["organisation"] == elsewhere.organisation.slug


def test_wrong_credentials_are_one_and_the_same_401(world):
    other = make_world()
    attempts = [
        {**ask_for_token(world.ceo), "password": "wrong"},
        {**ask_for_token(world.ceo), "email": "nobody@example.com"},
        ask_for_token(world.ceo, other.organisation.slug),  # right password, not a member there
        ask_for_token(world.ceo, "no-such-organisation"),
    ]
    answers = [Api().post("/tokens", body) for body in attempts]
    assert {a.status for a in answers} == {401}
    assert {a.error["code"] for a in answers} == {"invalid_credentials"}
    assert len({a.error["message"] for a in answers}) == 1  # nothing tells them apart
    assert not ApiToken.objects.exists()


def test_a_deactivated_member_gets_no_token(org):
    orgs.deactivate_member(actor=org.ceo, member=org.olga)
    assert Api().post("/tokens", ask_for_token(org.olga)).status == 401


def test_token_requests_are_validated(world):
    for body in [{}, {"email": "a@b.c"}, {"email": "a@b.c", "password": "x", "extra": 1}]:
        answer = Api().post("/tokens", body)
        assert answer.status == 400, body
        assert answer.error["code"] == "validation_error"
    assert Api().post("/tokens", [1]).error["code"] == "bad_request"  # not a JSON object
    assert Api().post("/tokens", {"email": "a@b.c", "password": "x\x00"}).status == 400


def test_tokens_are_hashed_at_rest(world):
    token = Api().post("/tokens", ask_for_token(world.ceo, name="secret-keeper")).body["token"]
    assert Api(token).get("/goals").status == 200  # used once, so last_used_at is written too

    stored = ApiToken.objects.get()
    assert stored.digest != token
    assert len(stored.digest) == 64
    assert stored.prefix == token[: len(stored.prefix)]
    assert len(stored.prefix) < 16
    everything = database_text()
    assert token not in everything
    assert token[len(stored.prefix) :] not in everything
    assert stored.digest in everything  # the dump does see the token table


def database_text() -> str:
    """Every text value of every table, concatenated."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted}")
            chunks.extend(str(value) for row in cursor.fetchall() for value in row)
    return "\n".join(chunks)


def test_issuing_and_revoking_are_audited_without_the_token(world):
    answer = Api().post("/tokens", ask_for_token(world.ceo, name="laptop"))
    token, token_id = answer.body["token"], answer.body["id"]
    assert Api(token).delete(f"/tokens/{token_id}").status == 204

    events = AuditEvent.objects.filter(
        kind__in=[EventKind.TOKEN_CREATED, EventKind.TOKEN_REVOKED]
    ).order_by("id")
    assert [e.kind for e in events] == [EventKind.TOKEN_CREATED, EventKind.TOKEN_REVOKED]
    assert all(e.actor_id == world.ceo.pk and e.object_id == token_id for e in events)
    assert all(e.data == {"prefix": answer.body["prefix"], "name": "laptop"} for e in events)


def test_list_shows_your_tokens_only(org):
    mine = api_for(org.olga)
    api_for(org.olga)
    api_for(org.vera)

    answer = mine.get("/tokens")
    assert answer.status == 200
    assert answer.body["count"] == 2
    assert {t["member"]["id"] for t in answer.body["items"]} == {org.olga.pk}
    assert all("token" not in t for t in answer.body["items"])


def test_a_revoked_token_stops_working_at_once(world):
    client = api_for(world.ceo)
    spare = api_for(world.ceo)
    token_id = ApiToken.objects.order_by("id").first().pk  # the first client's
    assert client.get("/goals").status == 200

    assert client.delete(f"/tokens/{token_id}").status == 204

    answer = client.get("/goals")
    assert answer.status == 401
    assert answer.error["code"] == "not_authenticated"
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    listed = {t["id"]: t for t in spare.get("/tokens").body["items"]}
    assert listed[token_id]["revoked_at"] is not None
    assert spare.delete(f"/tokens/{token_id}").status == 204  # again: nothing changes
    assert AuditEvent.objects.filter(kind=EventKind.TOKEN_REVOKED).count() == 1


def test_a_deactivated_member_s_token_stops_working_at_once(org):
    client = api_for(org.olga)
    assert client.get("/goals").status == 200
    orgs.deactivate_member(actor=org.ceo, member=org.olga)
    assert client.get("/goals").status == 401


def test_a_deactivated_account_s_token_stops_working(org):
    client = api_for(org.olga)
    org.olga.user.is_active = False
    org.olga.user.save()
    assert client.get("/goals").status == 401


def test_last_used_is_noted(world):
    client = api_for(world.ceo)
    assert ApiToken.objects.get().last_used_at is None
    client.get("/organisation")
    assert ApiToken.objects.get().last_used_at is not None


def test_token_requests_are_throttled_per_address(world):
    wrong = {**ask_for_token(world.ceo), "password": "guess"}
    answers = [Api().post("/tokens", {**wrong, "email": f"n{i}@example.com"}) for i in range(11)]

    assert [a.status for a in answers[:10]] == [401] * 10
    assert answers[10].status == 429
    assert answers[10].error["code"] == "throttled"
    assert int(answers[10].headers["Retry-After"]) > 0
    # Even the right password waits now: the limit is on asking, not on failing.
    assert Api().post("/tokens", ask_for_token(world.ceo)).status == 429


# --------------------------------------------------------------------------- revoked for good


def test_reactivating_a_member_does_not_revive_their_tokens(org):
    client = api_for(org.olga)
    orgs.deactivate_member(actor=org.ceo, member=org.olga)
    orgs.reactivate_member(actor=org.ceo, member=org.olga)

    assert client.get("/goals").status == 401
    token = ApiToken.objects.get(member=org.olga)
    assert token.revoked_at is not None
    event = AuditEvent.objects.get(kind=EventKind.TOKEN_REVOKED, object_id=token.pk)
    assert event.actor_id == org.ceo.pk
    assert event.data["reason"] == "member_deactivated"
    assert api_for(org.olga).get("/goals").status == 200  # a new token works


def test_a_password_change_revokes_the_person_s_tokens_everywhere(org):
    elsewhere = make_world()
    there = orgs.add_member(actor=elsewhere.ceo, user=org.olga.user)
    here, away = api_for(org.olga), api_for(there)
    others = api_for(org.vera)

    user = org.olga.user
    user.set_password("a-new-password-for-olga")
    user.save()

    assert here.get("/goals").status == 401
    assert away.get("/goals").status == 401
    assert others.get("/goals").status == 200
    revoked = AuditEvent.objects.filter(
        kind=EventKind.TOKEN_REVOKED, data__reason="password_changed"
    )
    assert {e.organisation_id for e in revoked} == {
        org.world.organisation.pk,
        elsewhere.organisation.pk,
    }
    changed = AuditEvent.objects.filter(kind=EventKind.PASSWORD_CHANGED)
    assert {(e.organisation_id, e.actor_id) for e in changed} == {
        (org.world.organisation.pk, org.olga.pk),
        (elsewhere.organisation.pk, there.pk),
    }
    assert all("password" not in str(e.data) for e in changed)


def test_the_password_page_revokes_tokens(org):
    client = api_for(org.olga)
    browser = Client()
    browser.force_login(org.olga.user)
    response = browser.post(
        "/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-password-for-olga",
            "new_password2": "a-new-password-for-olga",
        },
    )
    assert response.status_code == 302
    assert client.get("/goals").status == 401
    assert AuditEvent.objects.filter(kind=EventKind.PASSWORD_CHANGED).count() == 1


def test_a_first_password_is_not_a_change(db):
    world = make_world()
    user = world.ceo.user
    user.set_unusable_password()
    user.save()
    client = api_for(world.ceo)
    user.set_password("the-first-real-one")  # as when an invitation is accepted
    user.save()
    assert client.get("/goals").status == 200
    assert not AuditEvent.objects.filter(kind=EventKind.PASSWORD_CHANGED).exists()


# --------------------------------------------------------------------------- expiry


def test_a_token_may_carry_an_expiry(world):
    expires = (clock.now() + timedelta(days=30)).replace(microsecond=0)
    body = ask_for_token(world.ceo, expires_at=expires.isoformat())
    answer = Api().post("/tokens", body)
    assert answer.status == 201
    assert answer.body["expires_at"] == expires.isoformat().replace("+00:00", "Z")
    client = Api(answer.body["token"])
    assert client.get("/goals").status == 200
    listed = client.get("/tokens").body["items"]
    assert listed[0]["expires_at"] == answer.body["expires_at"]
    created = AuditEvent.objects.get(kind=EventKind.TOKEN_CREATED)
    assert created.data["expires_at"] == expires.isoformat()


def test_an_expired_token_is_refused(world):
    answer = Api().post(
        "/tokens",
        ask_for_token(world.ceo, expires_at=(clock.now() + timedelta(hours=1)).isoformat()),
    )
    client = Api(answer.body["token"])
    assert client.get("/goals").status == 200
    with clock.frozen_at(clock.now() + timedelta(hours=1, seconds=1)):
        refused = client.get("/goals")
    assert refused.status == 401
    assert refused.error["code"] == "not_authenticated"
    assert api_for(world.ceo).get("/tokens").body["items"][1]["revoked_at"] is None


def test_a_token_without_expiry_lists_none(world):
    answer = Api().post("/tokens", ask_for_token(world.ceo))
    assert answer.body["expires_at"] is None


@pytest.mark.parametrize(
    "expires_at",
    [
        "2020-01-01T00:00:00Z",  # the past
        "2030-01-01T00:00:00",  # no time zone
        "9999-12-31T23:59:59-14:00",  # beyond ten years
        "0001-01-01T00:00:00+14:00",
        "tomorrow",
        12,
    ],
)
def test_a_bad_expiry_is_400(world, expires_at):
    answer = Api().post("/tokens", ask_for_token(world.ceo, expires_at=expires_at))
    assert answer.status == 400
    assert answer.error["code"] == "validation_error"
    assert "expires_at" in answer.error["fields"]
    assert not ApiToken.objects.exists()
