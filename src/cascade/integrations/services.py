"""Every write about data sources: connections, bindings, tests and "sync now".

Each service checks that everything belongs to the actor's organisation (anything else is
NotFound), checks the actor's right (``cascade.permissions``), validates, writes in one
transaction and records an audit event. Secrets are sealed before they reach a model and
appear in no event, message or return value. Testing a connection and previewing a query talk
to the service outside any transaction, so a slow service holds no database lock.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import IntegrityError, transaction

from cascade import permissions
from cascade.audit.models import EventKind
from cascade.audit.services import record
from cascade.core import clock
from cascade.core.errors import NotFound, by_field, combine, conflict, invalid, invalid_fields
from cascade.core.numbers import ascii_int
from cascade.core.text import clean_text
from cascade.core.transactions import atomic_with_retries
from cascade.goals.models import KeyResult
from cascade.integrations.clients.http import is_loopback
from cascade.integrations.clients.salesforce import (
    API_VERSION,
    DEFAULT_API_VERSION,
    REPORT_ID,
    load_private_key,
)
from cascade.integrations.connectors import client_for
from cascade.integrations.encryption import seal
from cascade.integrations.errors import ErrorKind, SyncError
from cascade.integrations.interruptions import close_stale_runs
from cascade.integrations.models import (
    JIRA_MODES,
    SALESFORCE_MODES,
    UNFINISHED,
    AuthMethod,
    Binding,
    Connection,
    ConnectionStatus,
    Mode,
    Service,
    SyncRun,
    Trigger,
)
from cascade.integrations.modes import Query, measure
from cascade.integrations.runs import attention_message, sync_key_result
from cascade.orgs.models import Member
from cascade.progress import OPEN_STATES, Kind

SUPER_USERS_ONLY = "Only super users manage data-source connections."
OWNER_ONLY = "Only the goal's owner or a super user may change where its key results get values."
MAX_QUERY = 4000
MAX_SECRET = 10_000
MIN_INTERVAL, MAX_INTERVAL = 5, 7 * 24 * 60
JIRA_FIELD = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,99}$")
BINDABLE_KINDS = (Kind.METRIC, Kind.THRESHOLD)
AUTH_METHODS = {
    Service.JIRA_CLOUD: (AuthMethod.API_TOKEN,),
    Service.JIRA_DATA_CENTER: (AuthMethod.PERSONAL_ACCESS_TOKEN,),
    Service.SALESFORCE: (AuthMethod.CLIENT_CREDENTIALS, AuthMethod.JWT_BEARER),
}
CREDENTIAL_FIELDS = {"base_url", "username", "client_id", "auth_method", "api_version", "secret"}


# --------------------------------------------------------------------------- connections


def _require_manager(actor: Member) -> None:
    permissions.require(permissions.can_manage_connections(actor), SUPER_USERS_ONLY)


def _text(value: object, field: str, max_length: int, *, required: bool = False) -> str:
    return clean_text(str(value or ""), field, required=required, max_length=max_length)


def _base_url(raw: object) -> str:
    url = _text(raw, "base_url", 300, required=True).rstrip("/")
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise invalid(
            "Enter the full address, such as https://acme.atlassian.net.", "url_invalid", "base_url"
        ) from None
    if url.startswith("http://") and not is_loopback(url):
        raise invalid(
            "Use https://: credentials never travel unencrypted (plain http only for 127.0.0.1).",
            "https_required",
            "base_url",
        )
    if "?" in url or "#" in url:
        raise invalid("Leave out any ?query or #fragment.", "url_invalid", "base_url")
    return url


def _connection_fields(service: str, values: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    """Validated connection fields for the service, or every problem found at once."""
    errors: dict[str, ValidationError] = {}
    clean: dict[str, Any] = {}

    def check(field: str, fn: Any) -> None:
        try:
            clean[field] = fn()
        except ValidationError as error:
            errors.update({k: v[0] for k, v in by_field(error).items()})

    check("name", lambda: _text(values.get("name"), "name", 80, required=True))
    check("base_url", lambda: _base_url(values.get("base_url")))
    allowed = AUTH_METHODS[Service(service)]
    method = values.get("auth_method") or allowed[0]
    if method not in allowed:
        errors["auth_method"] = invalid("Choose how Cascade signs in.", "auth_method_unknown")
    clean["auth_method"] = method
    username = _text(values.get("username"), "username", 200)
    client_id = _text(values.get("client_id"), "client_id", 300)
    if service == Service.JIRA_CLOUD:
        try:
            EmailValidator()(username)
        except ValidationError:
            errors["username"] = invalid(
                "Enter the email address of the Atlassian account.", "email_invalid"
            )
    if service == Service.SALESFORCE:
        if not client_id:
            errors["client_id"] = invalid("Enter the connected app's consumer key.", "required")
        if method == AuthMethod.JWT_BEARER and not username:
            errors["username"] = invalid(
                "Enter the Salesforce username Cascade acts as.", "required"
            )
        version = _text(values.get("api_version"), "api_version", 10) or DEFAULT_API_VERSION
        if not API_VERSION.match(version):
            errors["api_version"] = invalid(
                "Write the API version as v62.0.", "api_version_invalid"
            )
        clean["api_version"] = version
    else:
        clean["api_version"] = ""
        client_id = ""
        if service == Service.JIRA_DATA_CENTER:
            username = ""
    clean["username"], clean["client_id"] = username, client_id
    secret = str(values.get("secret") or "").strip()
    if creating and not secret:
        errors["secret"] = invalid(
            "Enter the secret: Cascade cannot sign in without it.", "required"
        )
    if len(secret) > MAX_SECRET:
        errors["secret"] = invalid("That secret is too long.", "text_too_long")
    if secret and service == Service.SALESFORCE and method == AuthMethod.JWT_BEARER:
        try:
            load_private_key(secret)
        except ValueError as error:
            errors["secret"] = invalid(str(error), "private_key_invalid")
    if errors:
        raise combine({k: errors[k] for k in sorted(errors)})
    clean["secret"] = secret
    return clean


def _unique_name(actor: Member, name: str, this: Connection | None = None) -> None:
    others = Connection.objects.filter(organisation_id=actor.organisation_id, name__iexact=name)
    if this is not None:
        others = others.exclude(pk=this.pk)
    if others.exists():
        raise conflict("Another connection already has this name.", "name_taken", "name")


def _seal(secret: str) -> str:
    try:
        return seal(secret)
    except ImproperlyConfigured as error:
        raise invalid(str(error), "encryption_unavailable", "secret") from None


@atomic_with_retries
def create_connection(
    *,
    actor: Member,
    service: str,
    name: str,
    base_url: str,
    secret: str,
    username: str = "",
    client_id: str = "",
    auth_method: str = "",
    api_version: str = "",
) -> Connection:
    """A new connection to Jira or Salesforce. The secret is sealed and never shown again."""
    _require_manager(actor)
    if service not in Service.values:
        raise invalid(
            "Choose Jira Cloud, Jira Data Center or Salesforce.", "service_unknown", "service"
        )
    given = {
        "name": name,
        "base_url": base_url,
        "secret": secret,
        "username": username,
        "client_id": client_id,
        "auth_method": auth_method,
        "api_version": api_version,
    }
    fields = _connection_fields(service, given, creating=True)
    _unique_name(actor, fields["name"])
    connection = Connection.objects.create(
        organisation_id=actor.organisation_id,
        service=service,
        name=fields["name"],
        base_url=fields["base_url"],
        auth_method=fields["auth_method"],
        username=fields["username"],
        client_id=fields["client_id"],
        api_version=fields["api_version"],
        secret_sealed=_seal(fields["secret"]),
        created_by=actor,
    )
    record(
        organisation=actor.organisation_id,
        actor=actor,
        kind=EventKind.CONNECTION_CREATED,
        subject=connection,
        data={"name": connection.name, "service": service, "base_url": connection.base_url},
    )
    return connection


@atomic_with_retries
def change_connection(*, actor: Member, connection: Connection, **changes: Any) -> Connection:
    """Change a connection. A blank secret keeps the stored one; new credentials clear the
    cached access token and the "needs attention" flag, so its bindings sync again."""
    _require_manager(actor)
    permissions.require_same_organisation(actor, connection)
    unknown = set(changes) - {"name", *CREDENTIAL_FIELDS}
    if unknown:
        raise invalid_fields(
            dict.fromkeys(sorted(unknown), ("This field cannot be changed.", "not_editable"))
        )
    connection = Connection.objects.select_for_update().get(pk=connection.pk)
    current = {
        "name": connection.name,
        "base_url": connection.base_url,
        "username": connection.username,
        "client_id": connection.client_id,
        "auth_method": connection.auth_method,
        "api_version": connection.api_version,
    }
    merged = {**current, **{k: v for k, v in changes.items() if k != "secret"}}
    merged["secret"] = changes.get("secret") or ""
    if (
        connection.service == Service.SALESFORCE
        and merged["auth_method"] != connection.auth_method
        and not merged["secret"]
    ):
        raise invalid("A new way of signing in needs its secret.", "required", "secret")
    fields = _connection_fields(connection.service, merged, creating=False)
    _unique_name(actor, fields["name"], connection)
    changed = sorted(name for name in current if fields[name] != current[name])
    if fields["secret"]:
        changed.append("secret")
    if not changed:
        return connection
    for name in current:
        setattr(connection, name, fields[name])
    if fields["secret"]:
        connection.secret_sealed = _seal(fields["secret"])
    if set(changed) & CREDENTIAL_FIELDS:
        connection.access_token_sealed = ""
        connection.instance_url = ""
        connection.status = ConnectionStatus.UNTESTED
        connection.status_message = ""
        connection.status_changed_at = clock.now()
    connection.updated_at = clock.now()
    connection.save()
    record(
        organisation=actor.organisation_id,
        actor=actor,
        kind=EventKind.CONNECTION_CHANGED,
        subject=connection,
        data={"name": connection.name, "changed": changed},
    )
    return connection


@atomic_with_retries
def remove_connection(*, actor: Member, connection: Connection) -> None:
    _require_manager(actor)
    permissions.require_same_organisation(actor, connection)
    connection = Connection.objects.select_for_update().get(pk=connection.pk)
    bound = Binding.objects.filter(connection=connection).count()
    if bound:
        raise invalid(
            f"{bound} key result{'s take' if bound != 1 else ' takes'} values from this "
            "connection: unbind them first.",
            "connection_in_use",
        )
    data = {"name": connection.name, "service": connection.service}
    connection_id = connection.pk
    connection.delete()
    connection.pk = connection_id
    record(
        organisation=actor.organisation_id,
        actor=actor,
        kind=EventKind.CONNECTION_REMOVED,
        subject=connection,
        data=data,
    )


@dataclass(frozen=True)
class TestResult:
    ok: bool
    message: str
    error_kind: str = ""
    request_id: str = ""


def try_connection(*, actor: Member, connection: Connection) -> TestResult:
    """Sign in and ask who Cascade is: success, or the service's own error message.

    Refused credentials mark the connection as needing attention (syncing pauses); any other
    failure but a rate limit marks it as failed, with the time; success clears either mark.
    """
    _require_manager(actor)
    permissions.require_same_organisation(actor, connection)
    connection = Connection.objects.get(pk=connection.pk)
    try:
        with client_for(connection) as client:
            who, request_id = client.whoami()
        result = TestResult(True, f"Signed in: {who}.", request_id=request_id)
    except SyncError as error:
        result = TestResult(False, error.message, str(error.kind), error.request_id)
    with transaction.atomic():
        connection = Connection.objects.select_for_update().get(pk=connection.pk)
        now = clock.now()
        connection.last_tested_at = now
        if result.ok:
            status = ConnectionStatus.OK
        elif result.error_kind == ErrorKind.AUTH:
            status = ConnectionStatus.NEEDS_ATTENTION
        elif result.error_kind == ErrorKind.RATE_LIMITED:
            status = ConnectionStatus(connection.status)  # it answered: only its limit is hit
        else:
            status = ConnectionStatus.FAILED
        if connection.status != status:
            connection.status_changed_at = now
            connection.status = status
            connection.status_message = "" if result.ok else result.message
        elif status != ConnectionStatus.OK and result.error_kind != ErrorKind.RATE_LIMITED:
            connection.status_message = result.message  # failed again: the latest reason
        connection.save()
        record(
            organisation=actor.organisation_id,
            actor=actor,
            kind=EventKind.CONNECTION_TESTED,
            subject=connection,
            data={
                "name": connection.name,
                "ok": result.ok,
                "error_kind": result.error_kind,
                "request_id": result.request_id,
            },
        )
    return result


# --------------------------------------------------------------------------- bindings


def _binding_fields(
    kr: KeyResult,
    connection: Connection,
    *,
    mode: str,
    query: str,
    field: str,
    interval_minutes: object,
) -> dict[str, Any]:
    errors: dict[str, ValidationError] = {}
    if kr.kind not in BINDABLE_KINDS:
        errors["key_result"] = invalid(
            "Only metric and threshold key results take their values from a data source.",
            "kind_not_bindable",
        )
    modes = JIRA_MODES if connection.is_jira else SALESFORCE_MODES
    if mode not in modes:
        errors["mode"] = invalid(
            f"Choose what to measure in {connection.get_service_display()}.", "mode_unknown"
        )
    query = str(query or "").strip()
    field = str(field or "").strip()
    if not query:
        errors["query"] = invalid(
            "Enter the query." if mode != Mode.REPORT_AGGREGATE else "Enter the report's id.",
            "required",
        )
    elif len(query) > MAX_QUERY:
        errors["query"] = invalid(f"Keep the query under {MAX_QUERY} characters.", "text_too_long")
    elif mode == Mode.SOQL_SCALAR and not query.lower().startswith("select"):
        errors["query"] = invalid("A SOQL query starts with SELECT.", "query_invalid")
    elif mode == Mode.REPORT_AGGREGATE and not REPORT_ID.match(query):
        errors["query"] = invalid(
            "A report id has 15 or 18 letters and digits and starts with 00O.", "query_invalid"
        )
    if mode == Mode.JIRA_SUM and not JIRA_FIELD.match(field):
        errors["field"] = invalid(
            "Enter the numeric field's id, such as customfield_10016.", "field_id_invalid"
        )
    if mode not in (Mode.JIRA_SUM, Mode.REPORT_AGGREGATE):
        field = ""
    if len(field) > 100:
        errors["field"] = invalid("Keep it under 100 characters.", "text_too_long")
    if mode == Mode.JIRA_DONE_RATIO and kr.unit.strip() != "%":
        errors["mode"] = invalid(
            "Done ÷ total is a percentage: bind it to a key result measured in %, "
            "such as 0 → 100 %.",
            "unit_mismatch",
        )
    try:
        interval = ascii_int(str(interval_minutes).strip())
        if interval is None or not MIN_INTERVAL <= interval <= MAX_INTERVAL:
            raise ValueError
    except ValueError:
        errors["interval_minutes"] = invalid(
            f"Sync every {MIN_INTERVAL} minutes at the most, and once a week at the least.",
            "interval_range",
        )
        interval = MIN_INTERVAL
    if errors:
        raise combine({k: errors[k] for k in sorted(errors)})
    return {"mode": mode, "query": query, "field": field, "interval_minutes": interval}


def _require_binder(
    actor: Member, kr: KeyResult, connection: Connection | None = None
) -> KeyResult:
    """The key result read fresh (its goal's owner may have changed), after the checks."""
    permissions.require_same_organisation(actor, kr, connection)
    fresh = KeyResult.objects.select_related("goal").filter(pk=kr.pk).first()
    if fresh is None:
        raise NotFound("This key result no longer exists.")
    permissions.require(permissions.can_bind_key_result(actor, fresh.goal), OWNER_ONLY)
    return fresh


def _require_open(kr: KeyResult) -> None:
    if kr.goal.state not in OPEN_STATES:
        raise invalid(
            f"This goal is {kr.goal.state}: reopen or restore it before changing its key results.",
            "goal_closed",
        )


@atomic_with_retries
def bind_key_result(
    *,
    actor: Member,
    key_result: KeyResult,
    connection: Connection,
    mode: str,
    query: str,
    field: str = "",
    interval_minutes: object = 60,
) -> Binding:
    """Make a key result take its value from a connection (or change how it does).

    It syncs at once (its next run is due now), then every ``interval_minutes``. While it is
    bound, a check-in by hand is overwritten by the next sync whose value differs.
    """
    kr = _require_binder(actor, key_result, connection)
    _require_open(kr)
    connection = Connection.objects.get(pk=connection.pk)
    fields = _binding_fields(
        kr, connection, mode=mode, query=query, field=field, interval_minutes=interval_minutes
    )
    now = clock.now()
    binding = Binding.objects.select_for_update().filter(key_result=kr).first()
    created = binding is None
    if binding is None:
        binding = Binding(organisation_id=kr.organisation_id, key_result=kr, created_by=actor)
    before = (binding.connection_id, binding.mode, binding.query, binding.field)
    binding.connection = connection
    for name, value in fields.items():
        setattr(binding, name, value)
    if created or before != (connection.pk, fields["mode"], fields["query"], fields["field"]):
        binding.next_run_at = now
        binding.last_error, binding.last_error_kind, binding.last_error_at = "", "", None
    binding.updated_at = now
    try:
        with transaction.atomic():
            binding.save()
    except IntegrityError:
        raise conflict(
            "This key result was just bound by someone else.", "already_bound", "key_result"
        ) from None
    record(
        organisation=actor.organisation_id,
        actor=actor,
        kind=EventKind.KEY_RESULT_BOUND,
        subject=binding,
        goal=kr.goal,
        data={
            "key_result": kr.pk,
            "title": kr.title,
            "connection": connection.pk,
            "connection_name": connection.name,
            **fields,
        },
    )
    return binding


@atomic_with_retries
def unbind_key_result(*, actor: Member, key_result: KeyResult) -> None:
    """The key result goes back to check-ins by hand; its values and check-ins stay."""
    kr = _require_binder(actor, key_result)
    # Its runs first, then the binding: the order in which a finishing sync locks them
    # (runs._lock), so that deleting both cannot deadlock with a sync ending at the same moment.
    runs = SyncRun.objects.filter(binding_id__in=Binding.objects.filter(key_result=kr).values("pk"))
    list(runs.select_for_update(of=("self",)).order_by("pk").values_list("pk", flat=True))
    binding = Binding.objects.select_for_update().filter(key_result=kr).first()
    if binding is None:
        raise NotFound("This key result has no data source.")
    data = {
        "key_result": kr.pk,
        "title": kr.title,
        "connection": binding.connection_id,
        "mode": binding.mode,
    }
    binding_id = binding.pk
    binding.delete()
    binding.pk = binding_id
    record(
        organisation=actor.organisation_id,
        actor=actor,
        kind=EventKind.KEY_RESULT_UNBOUND,
        subject=binding,
        goal=kr.goal,
        data=data,
    )


@atomic_with_retries
def request_sync(*, actor: Member, key_result: KeyResult) -> tuple[SyncRun, bool]:
    """ "Sync now": the same run and task as a scheduled sync, queued for the next free worker.

    Returns the run and whether it is new: a sync already queued, running or waiting to retry
    is returned instead of a second one — unless its worker is gone: then it is closed as
    interrupted and a new one starts.
    """
    kr = _require_binder(actor, key_result)
    bound = Binding.objects.filter(key_result=kr).values_list("pk", flat=True).first()
    if bound is not None:
        # Before the binding is locked: the run, then its binding, like every other writer.
        close_stale_runs(binding_id=bound, retry=False)
    binding = (
        Binding.objects.select_for_update(of=("self",))
        .select_related("connection")
        .filter(key_result=kr)
        .first()
    )
    if binding is None:
        raise NotFound("This key result has no data source.")
    _require_open(kr)
    if binding.connection.needs_attention:
        raise invalid(
            attention_message(binding.connection) + " — a super user can fix it.",
            "connection_needs_attention",
        )
    pending = SyncRun.objects.filter(binding=binding, status__in=UNFINISHED).first()
    if pending is not None:
        return pending, False
    run = SyncRun.objects.create(
        organisation_id=binding.organisation_id,
        binding=binding,
        idempotency_key=f"manual:{uuid.uuid4().hex}",
        trigger=Trigger.MANUAL,
        requested_by=actor,
    )
    binding.last_run = run
    binding.save(update_fields=["last_run"])
    sync_key_result.enqueue(run.pk)
    record(
        organisation=actor.organisation_id,
        actor=actor,
        kind=EventKind.SYNC_REQUESTED,
        subject=run,
        goal=kr.goal,
        data={"key_result": kr.pk, "binding": binding.pk, "run": run.pk},
    )
    return run, True


@dataclass(frozen=True)
class Preview:
    value: Decimal | None
    detail: str = ""
    error: str = ""
    error_kind: str = ""
    request_id: str = ""


def preview(
    *,
    actor: Member,
    key_result: KeyResult,
    connection: Connection,
    mode: str,
    query: str,
    field: str = "",
) -> Preview:
    """The value the query gives now, before the binding is saved. Nothing is written
    (except a refreshed Salesforce access token, cached for the syncs)."""
    kr = _require_binder(actor, key_result, connection)
    connection = Connection.objects.get(pk=connection.pk)
    fields = _binding_fields(
        kr, connection, mode=mode, query=query, field=field, interval_minutes=MIN_INTERVAL
    )
    try:
        with client_for(connection) as client:
            answer = measure(Query(fields["mode"], fields["query"], fields["field"]), client)
    except SyncError as error:
        return Preview(
            None, error=error.message, error_kind=str(error.kind), request_id=error.request_id
        )
    return Preview(answer.value, answer.detail, request_id=answer.request_id)
