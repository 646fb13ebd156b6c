"""What every client shares: one httpx client per sync, and turning HTTP failures into kinds.

Nothing here retries. A transient failure is raised at once with what the service said about
waiting (``Retry-After``), and the sync re-queues itself (``cascade.integrations.retries``):
a worker never sleeps on a rate limit while other work waits.
"""

from __future__ import annotations

import email.utils
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import httpx

from cascade.integrations.errors import ErrorKind, SyncError

# Seconds to wait for a service: connecting, and between bytes of its answer.
TIMEOUT = 20.0
MAX_MESSAGE = 600
# Where services put the id of a request, for their support teams: Jira (X-AREQUESTID,
# atl-traceid), Salesforce (x-sfdc-request-id), and the common X-Request-Id.
REQUEST_ID_HEADERS = ("x-arequestid", "atl-traceid", "x-sfdc-request-id", "x-request-id")


@dataclass(frozen=True)
class Answer:
    """A number a service gave, with the id of the request that gave it."""

    value: Decimal
    request_id: str = ""
    detail: str = ""


def request_id_of(response: httpx.Response) -> str:
    for name in REQUEST_ID_HEADERS:
        if response.headers.get(name):
            return response.headers[name][:120]
    return ""


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


def number(raw: object, what: str, *, kind: ErrorKind = ErrorKind.BAD_QUERY) -> Decimal:
    """A JSON number (or a numeric string) as a Decimal, or a SyncError naming what it was.

    ``kind`` is what a value that is no number means: BAD_QUERY (the default) where the query
    chose the field (summing a text field), BAD_RESPONSE where the service documents a number
    (a count, a total): a missing or null one there is a broken answer, not a wrong query.
    """
    if isinstance(raw, bool) or raw is None:
        raise SyncError(kind, f"{what} is not a number ({raw!r}).")
    if isinstance(raw, int | float):
        if isinstance(raw, float) and not math.isfinite(raw):
            raise SyncError(ErrorKind.BAD_RESPONSE, f"{what} is not a finite number.")
        return Decimal(str(raw))
    if isinstance(raw, str):
        try:
            value = Decimal(raw.strip())
        except ArithmeticError:
            raise SyncError(kind, f"{what} is not a number ({clip(raw)!r}).") from None
        if value.is_finite():
            return value
    raise SyncError(kind, f"{what} is not a number ({clip(repr(raw))}).")


def is_loopback(url: str) -> bool:
    return (urlsplit(url).hostname or "") in ("127.0.0.1", "localhost", "::1")


class HttpSession:
    """An httpx client for one service, that raises SyncErrors instead of httpx errors."""

    def __init__(self, service: str, base_url: str, headers: dict[str, str] | None = None) -> None:
        self.service = service
        self.base_url = base_url.rstrip("/")
        self.client = httpx.Client(
            base_url=self.base_url,
            timeout=TIMEOUT,
            follow_redirects=False,
            headers={"Accept": "application/json", "User-Agent": "Cascade", **(headers or {})},
        )

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> HttpSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            return self.client.request(method, url, **kwargs)
        except httpx.TimeoutException:
            raise SyncError(
                ErrorKind.TIMEOUT, f"{self.service} did not answer within {TIMEOUT:g} seconds."
            ) from None
        except httpx.TransportError as error:
            host = urlsplit(str(error.request.url)).netloc if _has_request(error) else ""
            raise SyncError(
                ErrorKind.NETWORK, clip(f"Could not reach {self.service} at {host}: {error}")
            ) from None

    def json(self, response: httpx.Response) -> Any:
        """The answer's JSON, or BAD_RESPONSE when it is something else (an HTML error page)."""
        try:
            return response.json()
        except ValueError:
            start = clip(response.text[:80]) if response.text else "nothing"
            raise SyncError(
                ErrorKind.BAD_RESPONSE,
                f"{self.service} answered {response.status_code} with something that is not JSON ({start!r}).",
                status=response.status_code,
                request_id=request_id_of(response),
            ) from None

    def check(self, response: httpx.Response, message_of: Callable[[Any], str]) -> None:
        """Raise the SyncError an unsuccessful answer stands for; do nothing on 2xx."""
        status = response.status_code
        if 200 <= status < 300:
            return
        rid = request_id_of(response)
        try:
            said = clip(message_of(response.json()))
        except (ValueError, TypeError, AttributeError, KeyError):
            said = ""  # not JSON, or not the documented error shape: the status still tells
        reason = response.reason_phrase or "error"
        message = said or f"{self.service} answered {status} {reason}."
        wait = retry_after(response.headers.get("Retry-After"))

        def error(kind: ErrorKind, text: str = message) -> SyncError:
            return SyncError(kind, text, status=status, request_id=rid, retry_after=wait)

        if status == 429:
            raise error(ErrorKind.RATE_LIMITED)
        if status == 503:
            raise error(ErrorKind.UNAVAILABLE)
        if status >= 500:
            raise error(ErrorKind.SERVER_ERROR)
        if status in (401, 403):
            raise error(ErrorKind.AUTH)
        if status == 410:
            raise error(ErrorKind.GONE)
        if 300 <= status < 400:
            where = response.headers.get("Location", "elsewhere")
            raise error(
                ErrorKind.BAD_RESPONSE,
                clip(f"{self.service} redirected to {where}: check the connection's address."),
            )
        raise error(ErrorKind.BAD_QUERY)


def _has_request(error: httpx.TransportError) -> bool:
    try:
        error.request  # noqa: B018 (raises RuntimeError when the error has no request)
    except RuntimeError:
        return False
    return True
