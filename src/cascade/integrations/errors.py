"""What can go wrong when Cascade asks a service for a value, sorted by what to do about it.

The clients turn every failure into a ``SyncError`` with a ``kind``; the sync decides from the
kind alone whether to wait and try again, stop and show the owner, or flag the connection.
The message is the service's own wording where it gave one (Jira's ``errorMessages``,
Salesforce's ``message``), so the owner reads what Jira or Salesforce said.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorKind(StrEnum):
    RATE_LIMITED = "rate_limited"  # 429 (or Salesforce's REQUEST_LIMIT_EXCEEDED): wait, retry
    UNAVAILABLE = "unavailable"  # 503: wait (Retry-After), retry
    SERVER_ERROR = "server_error"  # other 5xx: back off, retry
    TIMEOUT = "timeout"  # no answer in time: back off, retry
    NETWORK = "network"  # no connection: back off, retry
    BAD_RESPONSE = "bad_response"  # an answer that is not the documented JSON: back off, retry
    BAD_QUERY = "bad_query"  # the service refused the query: shown to the owner, not retried
    NO_DATA = "no_data"  # the query has no value (no rows, nothing to divide): not retried
    AUTH = "auth"  # credentials refused: the connection needs attention
    GONE = "gone"  # the API was removed (Jira's 410): not retried
    REFUSED = "refused"  # Cascade cannot record the value (too large, the goal closed): not retried
    INTERRUPTED = "interrupted"  # the worker stopped mid-run
    INTERNAL = "internal"  # a bug in Cascade


LABELS = {
    ErrorKind.RATE_LIMITED: "Rate limited",
    ErrorKind.UNAVAILABLE: "Service unavailable",
    ErrorKind.SERVER_ERROR: "Server error",
    ErrorKind.TIMEOUT: "Timed out",
    ErrorKind.NETWORK: "Network error",
    ErrorKind.BAD_RESPONSE: "Unreadable response",
    ErrorKind.BAD_QUERY: "Query refused",
    ErrorKind.NO_DATA: "No value",
    ErrorKind.AUTH: "Credentials refused",
    ErrorKind.GONE: "API removed",
    ErrorKind.REFUSED: "Value refused",
    ErrorKind.INTERRUPTED: "Interrupted",
    ErrorKind.INTERNAL: "Internal error",
}
ERROR_KIND_CHOICES = [(kind.value, LABELS[kind]) for kind in ErrorKind]

TRANSIENT = frozenset(
    {
        ErrorKind.RATE_LIMITED,
        ErrorKind.UNAVAILABLE,
        ErrorKind.SERVER_ERROR,
        ErrorKind.TIMEOUT,
        ErrorKind.NETWORK,
        ErrorKind.BAD_RESPONSE,
    }
)


class SyncError(Exception):
    """A failed request or an answer without a usable value."""

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        *,
        status: int | None = None,
        request_id: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.status = status
        self.request_id = request_id
        self.retry_after = retry_after

    @property
    def transient(self) -> bool:
        return self.kind in TRANSIENT

    def __str__(self) -> str:
        return self.message
