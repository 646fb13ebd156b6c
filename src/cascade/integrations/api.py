"""The data sources in the REST API: ``/connections`` and ``/key-results/{id}/source``.

Connections are for super users; a secret is sent once (``secret``) and never comes back. A key
result's source is bound, changed, previewed, synced and unbound by its goal's owner or a super
user; every key result in the API also shows its source's state (``source_state``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import StringConstraints

from cascade import permissions
from cascade.api.auth import actor
from cascade.api.errors import errors, not_found
from cascade.api.fields import STORABLE, BodyId, Id
from cascade.api.pagination import Page, PageParams, page, page_of
from cascade.goals import selectors as goal_selectors
from cascade.goals.models import KeyResult
from cascade.integrations import selectors, services
from cascade.integrations.models import Binding, Connection, SyncRun
from cascade.integrations.redaction import error_for_reader
from cascade.integrations.source_state import (
    DataSourceOut,
    ModeName,
    RunStatusName,
    ServiceName,
    StatusName,
    binding_state,
)
from cascade.integrations.source_state import number as _number
from cascade.orgs.models import Member

router = Router(tags=["data sources"])

AuthMethodName = Literal["api_token", "pat", "client_credentials", "jwt_bearer"]


ConnectionName = Annotated[str, StringConstraints(max_length=80), STORABLE]
Url = Annotated[str, StringConstraints(max_length=300), STORABLE]
Secret = Annotated[str, StringConstraints(max_length=10_000), STORABLE]
Username = Annotated[str, StringConstraints(max_length=200), STORABLE]
ClientId = Annotated[str, StringConstraints(max_length=300), STORABLE]
ApiVersion = Annotated[str, StringConstraints(max_length=10), STORABLE]
QueryText = Annotated[str, StringConstraints(max_length=4000), STORABLE]
FieldName = Annotated[str, StringConstraints(max_length=100), STORABLE]


# --------------------------------------------------------------------------- schemas


class ConnectionOut(Schema):
    id: int
    name: str
    service: ServiceName
    auth_method: AuthMethodName
    base_url: str = Field(description="Jira's site or base URL; Salesforce's login URL.")
    username: str = Field(description="Jira Cloud: the account's email; Salesforce JWT: the user.")
    client_id: str = Field(description="Salesforce: the connected app's consumer key.")
    api_version: str = Field(description="Salesforce: such as v62.0.")
    status: StatusName = Field(
        description="`needs_attention`: the service refused the credentials; its key results do "
        "not sync until they are changed or a test succeeds. `failed`: the last test could not "
        "reach the service or got no usable answer (`status_message` says why); syncing goes "
        "on, and a sync or test that works sets `ok` again."
    )
    status_message: str
    last_tested_at: datetime | None
    key_results: int = Field(description="How many key results take values from it.")
    created_at: datetime


class ConnectionPage(Page):
    items: list[ConnectionOut]


class ConnectionIn(Schema):
    model_config = {"extra": "forbid"}

    service: ServiceName
    name: ConnectionName
    base_url: Url
    secret: Secret = Field(
        description="Write-only: the API token, personal access token, consumer secret or "
        "private key (PEM). Never returned."
    )
    username: Username = ""
    client_id: ClientId = ""
    auth_method: AuthMethodName | None = None
    api_version: ApiVersion = ""


class ConnectionPatch(Schema):
    model_config = {"extra": "forbid"}

    name: ConnectionName | None = None
    base_url: Url | None = None
    secret: Secret | None = Field(None, description="Write-only; leave out to keep it.")
    username: Username | None = None
    client_id: ClientId | None = None
    auth_method: AuthMethodName | None = None
    api_version: ApiVersion | None = None


class ConnectionTestOut(Schema):
    ok: bool
    message: str = Field(description="Who Cascade signed in as, or the service's own error.")
    error_kind: str | None
    request_id: str | None = Field(description="The service's id of the request, for its support.")


class BindingOut(DataSourceOut):
    query: str = Field(description="JQL, SOQL, or a Salesforce report's id.")
    field: str


class BindingIn(Schema):
    model_config = {"extra": "forbid"}

    connection: BodyId
    mode: ModeName
    query: QueryText
    field: FieldName = ""
    interval_minutes: int = Field(60, ge=5, le=7 * 24 * 60)


class PreviewIn(Schema):
    model_config = {"extra": "forbid"}

    connection: BodyId
    mode: ModeName
    query: QueryText
    field: FieldName = ""


class PreviewOut(Schema):
    value: float | None = Field(description="What the query gives now; null when it fails.")
    detail: str
    error: str | None
    error_kind: str | None
    request_id: str | None


class SyncRunOut(Schema):
    id: int
    trigger: Literal["schedule", "manual"]
    status: RunStatusName
    attempt: int
    queued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    next_attempt_at: datetime | None
    value: float | None
    changed: bool = Field(description="The value differed and was checked in.")
    detail: str
    error: str | None
    error_kind: str | None
    request_id: str | None


class SyncRunPage(Page):
    items: list[SyncRunOut]


# --------------------------------------------------------------------------- presenting


def connection_out(connection: Connection) -> dict[str, Any]:
    count = getattr(connection, "binding_count", None)
    return {
        "id": connection.pk,
        "name": connection.name,
        "service": connection.service,
        "auth_method": connection.auth_method,
        "base_url": connection.base_url,
        "username": connection.username,
        "client_id": connection.client_id,
        "api_version": connection.api_version,
        "status": connection.status,
        "status_message": connection.status_message,
        "last_tested_at": connection.last_tested_at,
        "key_results": count if count is not None else connection.bindings.count(),
        "created_at": connection.created_at,
    }


def binding_out(me: Member, binding: Binding) -> dict[str, Any]:
    full = permissions.can_read_source_errors(me)
    return {
        **binding_state(binding, full_errors=full),
        "query": binding.query,
        "field": binding.field,
    }


def run_out(me: Member, run: SyncRun, connection: Connection) -> dict[str, Any]:
    return {
        "id": run.pk,
        "trigger": run.trigger,
        "status": run.status,
        "attempt": run.attempt,
        "queued_at": run.queued_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "next_attempt_at": run.next_attempt_at,
        "value": _number(run.value),
        "changed": run.changed,
        "detail": run.detail,
        "error": error_for_reader(
            run.error, connection, full=permissions.can_read_source_errors(me)
        )
        or None,
        "error_kind": run.error_kind or None,
        "request_id": run.request_id or None,
    }


# --------------------------------------------------------------------------- connections


def _manager(request: HttpRequest) -> Member:
    me = actor(request)
    permissions.require(permissions.can_manage_connections(me), services.SUPER_USERS_ONLY)
    return me


@router.get("/connections", response={200: ConnectionPage, **errors(400, 401, 403)})
def list_connections(request: HttpRequest, paging: Query[PageParams]) -> dict[str, Any]:
    """The organisation's connections to Jira and Salesforce, by name (super users)."""
    objects, meta = page_of(selectors.connections(_manager(request)), paging)
    return page([connection_out(c) for c in objects], meta)


@router.post("/connections", response={201: ConnectionOut, **errors(400, 401, 403, 409)})
def create_connection(request: HttpRequest, payload: ConnectionIn) -> Status:
    """Add a connection (super users). Jira Cloud: `base_url` (the site), `username` (the
    account's email) and `secret` (its API token). Jira Data Center: `base_url` and `secret`
    (a personal access token). Salesforce: `base_url` (the login or My Domain URL),
    `client_id`, and either `auth_method: client_credentials` with the consumer secret, or
    `jwt_bearer` with `username` and the private key (PEM) as `secret`."""
    me = _manager(request)
    connection = services.create_connection(
        actor=me,
        service=payload.service,
        name=payload.name,
        base_url=payload.base_url,
        secret=payload.secret,
        username=payload.username,
        client_id=payload.client_id,
        auth_method=payload.auth_method or "",
        api_version=payload.api_version,
    )
    return Status(201, connection_out(connection))


@router.get(
    "/connections/{connection_id}", response={200: ConnectionOut, **errors(400, 401, 403, 404)}
)
def get_connection(request: HttpRequest, connection_id: Id) -> dict[str, Any]:
    return connection_out(selectors.get_connection(_manager(request), connection_id))


@router.patch(
    "/connections/{connection_id}",
    response={200: ConnectionOut, **errors(400, 401, 403, 404, 409)},
)
def patch_connection(
    request: HttpRequest, connection_id: Id, payload: ConnectionPatch
) -> dict[str, Any]:
    """Change what is sent. New credentials (or address) clear "needs attention": its key
    results sync again."""
    me = _manager(request)
    connection = selectors.get_connection(me, connection_id)
    changes = {
        name: getattr(payload, name) for name in payload.model_fields_set if name != "secret"
    }
    changes = {k: v for k, v in changes.items() if v is not None}
    if payload.secret:
        changes["secret"] = payload.secret
    services.change_connection(actor=me, connection=connection, **changes)
    return connection_out(Connection.objects.get(pk=connection.pk))


@router.delete("/connections/{connection_id}", response={204: None, **errors(400, 401, 403, 404)})
def delete_connection(request: HttpRequest, connection_id: Id) -> HttpResponse:
    """Remove a connection that no key result takes values from."""
    me = _manager(request)
    services.remove_connection(actor=me, connection=selectors.get_connection(me, connection_id))
    return HttpResponse(status=204)


@router.post(
    "/connections/{connection_id}/test",
    response={200: ConnectionTestOut, **errors(400, 401, 403, 404)},
)
def test_connection(request: HttpRequest, connection_id: Id) -> dict[str, Any]:
    """Sign in now: success, or the service's own error message. Refused credentials mark the
    connection as needing attention; success clears that."""
    me = _manager(request)
    result = services.try_connection(
        actor=me, connection=selectors.get_connection(me, connection_id)
    )
    return {
        "ok": result.ok,
        "message": result.message,
        "error_kind": result.error_kind or None,
        "request_id": result.request_id or None,
    }


# --------------------------------------------------------------------------- a key result's source


def _bound(me: Member, key_result_id: int) -> tuple[KeyResult, Binding]:
    kr = goal_selectors.get_key_result(me, key_result_id)
    binding = selectors.binding_of(kr)
    if binding is None:
        raise not_found("This key result has no data source.")
    return kr, binding


@router.get(
    "/key-results/{key_result_id}/source",
    response={200: BindingOut, **errors(400, 401, 403, 404)},
)
def get_source(request: HttpRequest, key_result_id: Id) -> dict[str, Any]:
    """The key result's data source with its query (for its goal's owner and super users)."""
    me = actor(request)
    kr, binding = _bound(me, key_result_id)
    permissions.require(permissions.can_bind_key_result(me, kr.goal), services.OWNER_ONLY)
    return binding_out(me, binding)


@router.put(
    "/key-results/{key_result_id}/source",
    response={200: BindingOut, **errors(400, 401, 403, 404, 409)},
)
def put_source(request: HttpRequest, key_result_id: Id, payload: BindingIn) -> dict[str, Any]:
    """Take the key result's value from a connection (or change how). It syncs at once, then
    every `interval_minutes`. Modes: `jira_count`, `jira_done_ratio` (a percentage: for key
    results in %), `jira_sum` (`field`: the numeric field's id), `soql_scalar` (COUNT()'s
    total, or the first field of the first row), `report_aggregate` (`query`: the report's
    id; `field`: an aggregate such as `s!Amount`, the first if blank)."""
    me = actor(request)
    kr = goal_selectors.get_key_result(me, key_result_id)
    binding = services.bind_key_result(
        actor=me,
        key_result=kr,
        connection=selectors.get_connection(me, payload.connection, "connection"),
        mode=payload.mode,
        query=payload.query,
        field=payload.field,
        interval_minutes=payload.interval_minutes,
    )
    return binding_out(me, selectors.binding_of(binding.key_result) or binding)


@router.delete(
    "/key-results/{key_result_id}/source", response={204: None, **errors(400, 401, 403, 404)}
)
def delete_source(request: HttpRequest, key_result_id: Id) -> HttpResponse:
    """Back to check-ins by hand; the values and check-ins stay."""
    me = actor(request)
    services.unbind_key_result(
        actor=me, key_result=goal_selectors.get_key_result(me, key_result_id)
    )
    return HttpResponse(status=204)


@router.post(
    "/key-results/{key_result_id}/source/preview",
    response={200: PreviewOut, **errors(400, 401, 403, 404)},
)
def preview_source(request: HttpRequest, key_result_id: Id, payload: PreviewIn) -> dict[str, Any]:
    """What a query gives now, without saving anything (or the service's error)."""
    me = actor(request)
    connection = selectors.get_connection(me, payload.connection, "connection")
    result = services.preview(
        actor=me,
        key_result=goal_selectors.get_key_result(me, key_result_id),
        connection=connection,
        mode=payload.mode,
        query=payload.query,
        field=payload.field,
    )
    full = permissions.can_read_source_errors(me)
    return {
        "value": _number(result.value),
        "detail": result.detail,
        "error": error_for_reader(result.error, connection, full=full) or None,
        "error_kind": result.error_kind or None,
        "request_id": result.request_id or None,
    }


@router.post(
    "/key-results/{key_result_id}/source/sync",
    response={200: SyncRunOut, 201: SyncRunOut, **errors(400, 401, 403, 404)},
)
def sync_source(request: HttpRequest, key_result_id: Id) -> Status:
    """Sync now: a run is queued for the worker (201), or the one already on its way is
    returned (200). Its outcome shows in `/runs` and in the key result's `source`."""
    me = actor(request)
    run, created = services.request_sync(
        actor=me, key_result=goal_selectors.get_key_result(me, key_result_id)
    )
    return Status(201 if created else 200, run_out(me, run, run.binding.connection))


@router.get(
    "/key-results/{key_result_id}/source/runs",
    response={200: SyncRunPage, **errors(400, 401, 404)},
)
def list_runs(request: HttpRequest, key_result_id: Id, paging: Query[PageParams]) -> dict[str, Any]:
    """The key result's sync runs, newest first."""
    me = actor(request)
    _, binding = _bound(me, key_result_id)
    objects, meta = page_of(
        SyncRun.objects.filter(binding=binding).order_by("-queued_at", "-id"), paging
    )
    return page([run_out(me, run, binding.connection) for run in objects], meta)
