"""The state of a key result's data source, as every key result in the API shows it.

Apart from the routes (``cascade.integrations.api``), so that the API's own modules (schemas,
presenters, reads) can use it without importing the routes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Field, Schema

from cascade.goals.models import KeyResult
from cascade.integrations.models import Binding
from cascade.integrations.redaction import error_for_reader

ServiceName = Literal["jira_cloud", "jira_dc", "salesforce"]
StatusName = Literal["untested", "ok", "needs_attention", "failed"]
ModeName = Literal["jira_count", "jira_done_ratio", "jira_sum", "soql_scalar", "report_aggregate"]
RunStatusName = Literal[
    "queued", "running", "retrying", "succeeded", "failed", "skipped", "interrupted"
]


class ConnectionRef(Schema):
    id: int
    name: str
    service: ServiceName
    status: StatusName


class DataSourceOut(Schema):
    """A key result's source, as every key result in the API shows it (null: checked in by hand)."""

    connection: ConnectionRef
    mode: ModeName
    interval_minutes: int
    last_synced_at: datetime | None = Field(description="The last sync that gave a value.")
    last_value: float | None
    last_error: str | None = Field(
        description="Why the last sync failed, in the service's words (URLs, IP addresses and "
        "host names replaced by `[address hidden]` unless you are a super user)."
    )
    last_error_kind: str | None
    last_error_at: datetime | None
    sync_status: RunStatusName | None = Field(description="The latest sync run's status.")
    next_run_at: datetime


def number(value: Any) -> float | None:
    return None if value is None else float(value)


def binding_state(binding: Binding, *, full_errors: bool) -> dict[str, Any]:
    """``full_errors``: the reader may read errors whole (``permissions.can_read_source_errors``)."""
    connection = binding.connection
    return {
        "connection": {
            "id": connection.pk,
            "name": connection.name,
            "service": connection.service,
            "status": connection.status,
        },
        "mode": binding.mode,
        "interval_minutes": binding.interval_minutes,
        "last_synced_at": binding.last_synced_at,
        "last_value": number(binding.last_value),
        "last_error": error_for_reader(binding.last_error, connection, full=full_errors) or None,
        "last_error_kind": binding.last_error_kind or None,
        "last_error_at": binding.last_error_at,
        "sync_status": binding.last_run.status if binding.last_run else None,
        "next_run_at": binding.next_run_at,
    }


def source_state(kr: KeyResult, *, full_errors: bool) -> dict[str, Any] | None:
    """The ``source`` of a key result in the API. Reads ``kr.data_source``: select it with the
    key results (``SOURCE``) so that a list of them costs no query per key result."""
    try:
        binding = kr.data_source
    except Binding.DoesNotExist:
        return None
    return binding_state(binding, full_errors=full_errors)


SOURCE = ("data_source__connection", "data_source__last_run")
