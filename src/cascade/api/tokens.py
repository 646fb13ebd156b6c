"""``/tokens``: get a personal API token with a password; list and revoke your tokens."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import AwareDatetime

from cascade.accounts.signin_audit import signed_in
from cascade.api import presenters
from cascade.api.auth import actor, member_for_password
from cascade.api.errors import ApiError, errors, not_found
from cascade.api.fields import Email, Id, Password, Slug, TokenName
from cascade.api.models import ApiToken
from cascade.api.pagination import PageParams, page, page_of
from cascade.api.schemas import NewTokenOut, TokenPage
from cascade.api.services import issue_token, revoke_token
from cascade.api.throttles import token_throttles

router = Router(tags=["tokens"])


class TokenIn(Schema):
    model_config = {"extra": "forbid"}

    email: Email
    password: Password
    organisation: Slug | None = None
    organization: Slug | None = None
    name: TokenName = ""
    expires_at: AwareDatetime | None = None


@router.post(
    "/tokens",
    auth=None,
    throttle=token_throttles(),
    response={201: NewTokenOut, **errors(400, 401, 429)},
    summary="Get a token with your email and password",
    openapi_extra={"security": []},
)
def create_token(request: HttpRequest, payload: TokenIn) -> Status:
    """Exchange an email address and password for a personal API token acting for you in one
    organisation (`organisation`, its slug; `organization` is accepted too; it may be left out
    by people who belong to one organisation only).

    The token is in the answer once and never again: Cascade keeps only its SHA-256 hash and
    its first characters (`prefix`). Send it as `Authorization: Bearer <token>`.

    `expires_at` (optional, ISO 8601 with a time zone, in the future): the token stops working
    then (401). Without it the token works until it is revoked.

    The same sign-in limits as the web login (429): 10 requests a minute per client address,
    and after 5 failed attempts for one email address from one client address, that pair is
    refused for 15 minutes (the right password from another address still works).
    """
    organisation = payload.organisation or payload.organization
    member = member_for_password(request, payload.email, payload.password, organisation)
    if member is None:
        raise ApiError(401, "invalid_credentials", "Wrong email address, password or organisation.")
    issued = issue_token(member=member, name=payload.name, expires_at=payload.expires_at)
    signed_in(request, member.user, member)
    return Status(201, {**presenters.token(issued.token), "token": issued.plain})


@router.get("/tokens", response={200: TokenPage, **errors(400, 401)}, summary="Your tokens")
def list_tokens(request: HttpRequest, paging: Query[PageParams]) -> dict[str, Any]:
    """The tokens acting for you, newest first, revoked ones included (with `revoked_at`)."""
    me = actor(request)
    tokens = ApiToken.objects.filter(member=me).select_related(
        "member__user", "member__organisation"
    )
    objects, meta = page_of(tokens.order_by("-created_at", "-id"), paging)
    return page([presenters.token(t) for t in objects], meta)


@router.delete(
    "/tokens/{token_id}",
    response={204: None, **errors(400, 401, 404)},
    summary="Revoke one of your tokens",
)
def delete_token(request: HttpRequest, token_id: Id) -> HttpResponse:
    """The token stops working at once. Revoking a revoked token again changes nothing (204)."""
    me = actor(request)
    token = ApiToken.objects.filter(pk=token_id, member=me).first()
    if token is None:
        raise not_found("No such token.")
    revoke_token(actor=me, token=token)
    return HttpResponse(status=204)
