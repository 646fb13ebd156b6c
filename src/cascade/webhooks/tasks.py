"""The worker's part of webhooks: sending one delivery, and the periodic job that queues the
retries that are due.

A send claims its delivery first (pending, due, and then not due again for ``LEASE``), so two
workers never post the same delivery at once and one that died mid-send is tried again after
the lease. The answer decides what comes next:

* 2xx: succeeded.
* 410 Gone: failed, and the endpoint is switched off (its owner says it is gone).
* 408, 429, 5xx, a timeout or no connection: tried again after ``BACKOFF`` (30 s, 2 min, 10 min,
  1 h, 6 h: six attempts in all), or after the answer's ``Retry-After`` when that is later
  (at most a day); failed after the last.
* any other answer (other 4xx, a 3xx: redirects are not followed): failed for good.

Neither the secret nor the response's body is ever logged or stored; ``last_error`` says what
happened in words.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit, urlunsplit

import httpx
from django.db import transaction
from django.tasks import task
from standardwebhooks.webhooks import Webhook

from cascade.core import clock
from cascade.integrations.encryption import unseal
from cascade.webhooks import targets
from cascade.webhooks.models import Delivery, DeliveryStatus, Endpoint

logger = logging.getLogger("cascade.webhooks")

ROUND = timedelta(seconds=30)  # how often the job looks for due retries
BACKOFF = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(hours=1),
    timedelta(hours=6),
)
ATTEMPTS = len(BACKOFF) + 1
LONGEST_RETRY_AFTER = timedelta(days=1)
LEASE = timedelta(minutes=2)  # a claimed send is not claimed again before this
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
DUE_PER_ROUND = 500
USER_AGENT = "Cascade-Webhooks/1"


def queue_due(now: datetime) -> list[int]:
    """The periodic job: queue the sends of the pending deliveries that are due (one task per
    endpoint, so a slow endpoint holds up only its own)."""
    due = list(
        Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", "endpoint_id")[:DUE_PER_ROUND]
    )
    queue(due)
    return [pk for pk, _ in due]


def queue(deliveries: list[tuple[int, int]]) -> None:
    """Queue (delivery id, endpoint id) pairs: one task per endpoint."""
    by_endpoint: dict[int, list[int]] = {}
    for pk, endpoint_id in deliveries:
        by_endpoint.setdefault(endpoint_id, []).append(pk)
    for ids in by_endpoint.values():
        if len(ids) == 1:
            deliver.enqueue(ids[0])
        else:
            deliver_many.enqueue(ids)


@task()
def deliver_many(delivery_ids: list[int]) -> dict[str, int]:
    """Send several deliveries (of one endpoint), one after another, oldest first."""
    outcome: dict[str, int] = {}
    for pk in delivery_ids:
        result = send(pk)
        outcome[result] = outcome.get(result, 0) + 1
    return outcome


@task()
def deliver(delivery_id: int) -> str:
    """Send one delivery if it is due; what happened, in a word."""
    return send(delivery_id)


def sign(secret: str, message_id: str, moment: datetime, body: str) -> dict[str, str]:
    """The Standard Webhooks headers of a message."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, moment, body),
    }


def body_of(delivery: Delivery) -> str:
    return json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False)


def send(delivery_id: int) -> str:
    now = clock.now()
    claimed = Delivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + LEASE)
    if not claimed:
        return "not due"
    delivery = Delivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    attempt = delivery.attempts + 1
    if not endpoint.active:
        return _finish(delivery, now, attempt, DeliveryStatus.FAILED, None, "The endpoint is off.")
    body = body_of(delivery)
    headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        **sign(unseal(endpoint.secret_sealed), delivery.message_id, now, body),
    }
    try:
        code, answered = _post(endpoint.url, body, headers)
    except targets.Refused as refused:
        return _finish(delivery, now, attempt, DeliveryStatus.FAILED, None, str(refused))
    except targets.Unresolved as unresolved:
        return _retry(delivery, now, attempt, None, f"Could not connect: {unresolved}", None)
    except httpx.TimeoutException:
        return _retry(delivery, now, attempt, None, "No answer within 10 seconds.", None)
    except httpx.HTTPError as error:
        return _retry(
            delivery, now, attempt, None, f"Could not connect: {type(error).__name__}.", None
        )
    if 200 <= code < 300:
        return _finish(delivery, now, attempt, DeliveryStatus.SUCCEEDED, code, "")
    if code == 410:
        Endpoint.objects.filter(pk=endpoint.pk).update(
            active=False,
            disabled_reason=f"The endpoint answered 410 Gone on {now:%Y-%m-%d %H:%M} UTC.",
        )
        return _finish(
            delivery,
            now,
            attempt,
            DeliveryStatus.FAILED,
            code,
            "410 Gone: the endpoint is now off.",
        )
    if code in (408, 429) or code >= 500:
        return _retry(
            delivery,
            now,
            attempt,
            code,
            f"The endpoint answered {code}.",
            _retry_after(answered, now),
        )
    return _finish(
        delivery,
        now,
        attempt,
        DeliveryStatus.FAILED,
        code,
        f"The endpoint answered {code}: not retried.",
    )


def _post(url: str, body: str, headers: dict[str, str]) -> tuple[int, httpx.Headers]:
    """POST to the endpoint: the status and the headers of the answer, whose body is never read
    (an endpoint must not be able to fill the worker's memory or hold it with a slow body).

    Without private addresses allowed, the connection goes to the address ``targets.check``
    resolved and checked, with the original name as the Host and, for https, as the TLS server
    name (SNI) the certificate is verified against.
    """
    pinned = targets.check(url)
    extensions: dict[str, str] = {}
    if pinned is not None:
        parts = urlsplit(url)
        host = parts.hostname or ""
        literal = f"[{pinned}]" if ":" in pinned else pinned
        netloc = f"{literal}:{parts.port}" if parts.port else literal
        headers = {**headers, "host": parts.netloc.rsplit("@", 1)[-1]}
        url = urlunsplit(parts._replace(netloc=netloc))
        if parts.scheme == "https":
            extensions["sni_hostname"] = host
    with (
        httpx.Client(timeout=TIMEOUT, follow_redirects=False, trust_env=False) as client,
        client.stream(
            "POST", url, content=body.encode(), headers=headers, extensions=extensions
        ) as response,
    ):
        return response.status_code, response.headers


RETRY_SECONDS = re.compile(r"[0-9]{1,9}")  # ASCII digits only; more than 30 years is nonsense


def _retry_after(headers: httpx.Headers, now: datetime) -> timedelta | None:
    raw = headers.get("retry-after", "").strip()
    if not raw:
        return None
    if RETRY_SECONDS.fullmatch(raw):
        wait = timedelta(seconds=int(raw))
    else:
        try:
            wait = parsedate_to_datetime(raw) - now
        except (TypeError, ValueError, OverflowError):
            return None
    return min(max(wait, timedelta(0)), LONGEST_RETRY_AFTER)


def _retry(
    delivery: Delivery,
    now: datetime,
    attempt: int,
    code: int | None,
    error: str,
    retry_after: timedelta | None,
) -> str:
    if attempt >= ATTEMPTS:
        return _finish(
            delivery,
            now,
            attempt,
            DeliveryStatus.FAILED,
            code,
            f"{error} Gave up after {attempt} attempts.",
        )
    wait = max(BACKOFF[attempt - 1], retry_after or timedelta(0))
    Delivery.objects.filter(pk=delivery.pk).update(
        attempts=attempt, next_attempt_at=now + wait, last_status_code=code, last_error=error[:300]
    )
    logger.info(
        "Webhook delivery %s: attempt %s failed (%s), again in %s", delivery.pk, attempt, code, wait
    )
    return "retry"


def _finish(
    delivery: Delivery,
    now: datetime,
    attempt: int,
    status: DeliveryStatus,
    code: int | None,
    error: str,
) -> str:
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk).update(
            status=status,
            attempts=attempt,
            next_attempt_at=None,
            last_status_code=code,
            last_error=error[:300],
            delivered_at=now if status == DeliveryStatus.SUCCEEDED else None,
        )
    if status == DeliveryStatus.FAILED:
        logger.warning("Webhook delivery %s failed: %s", delivery.pk, error)
    return str(status)
