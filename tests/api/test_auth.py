"""Who may call: a token, or the web app's session (with CSRF, and the organisation named)."""

from __future__ import annotations

import pytest
from django.test import Client

from cascade.accounts.models import User
from cascade.orgs import services as orgs
from tests.api.conftest import Api
from tests.builders import make_world


def signed_in(member, *, csrf: bool = False) -> Api:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(member.user)
    return Api(client=client)


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer",
        "Bearer nonsense",
        "Basic dXNlcjpwYXNz",
        "Token cascade_x",
        "Bearer " + "x" * 500,
    ],
)
def test_no_valid_credentials_is_401(world, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    answer = Api().get("/goals", headers=headers)
    assert answer.status == 401
    assert answer.error["code"] == "not_authenticated"
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_writes_without_credentials_are_401_not_a_csrf_failure(world):
    client = Api(client=Client(enforce_csrf_checks=True))
    answer = client.post("/goals", {"title": "X", "period": world.period.pk})
    assert answer.status == 401


def test_the_session_works_for_reads(org):
    answer = signed_in(org.olga).get("/organisation")
    assert answer.status == 200
    assert answer.body["slug"] == org.world.organisation.slug


def test_session_writes_need_the_csrf_token(org):
    client = signed_in(org.olga, csrf=True)
    body = {"title": "Learn", "period": org.world.period.pk}

    refused = client.post("/goals", body)
    assert refused.status == 403
    assert refused.error["code"] == "csrf_failed"

    page = client.client.get("/api/v1/docs")  # any page that hands out the CSRF cookie
    token = page.cookies["csrftoken"].value
    accepted = client.post("/goals", body, headers={"X-CSRFToken": token})
    assert accepted.status == 201
    assert accepted.body["owner"]["id"] == org.olga.pk


def test_a_session_in_two_organisations_names_one(org):
    elsewhere = make_world()
    orgs.add_member(actor=elsewhere.ceo, user=org.olga.user)
    client = signed_in(org.olga)

    ambiguous = client.get("/organisation")
    assert ambiguous.status == 400
    assert ambiguous.error["code"] == "organisation_required"

    for organisation in (org.world.organisation, elsewhere.organisation):
        named = client.get("/organisation", headers={"X-Cascade-Organisation": organisation.slug})
        assert named.status == 200
        assert named.body["id"] == organisation.pk


@pytest.mark.parametrize("slug", ["not-mine", "no such slug", "x" * 100])
def test_a_session_naming_someone_else_s_organisation_is_401(org, slug):
    other = make_world()
    slug = other.organisation.slug if slug == "not-mine" else slug
    answer = signed_in(org.olga).get("/goals", headers={"X-Cascade-Organisation": slug})
    assert answer.status == 401


def test_a_session_without_a_membership_is_401(db):
    user = User.objects.create_user("loner@example.com", "pw", full_name="Lone Ranger")
    client = Client()
    client.force_login(user)
    assert Api(client=client).get("/goals").status == 401


def test_a_token_acts_in_its_own_organisation_only(org):
    """A token for Acme sees Acme, whatever header it sends."""
    from tests.api.conftest import api_for

    answer = api_for(org.olga).get(
        "/organisation", headers={"X-Cascade-Organisation": org.other.organisation.slug}
    )
    assert answer.body["id"] == org.world.organisation.pk
