"""Who hears about audit events as they are written (the outbound webhooks, for one).

An app registers a listener in its ``AppConfig.ready()`` with ``listen(callback)``; the callback
gets the events just saved (by ``record`` or a ``bulk_create``), inside the writer's transaction.
It must be cheap: the usual listener only registers an ``on_commit`` callback. The audit app
knows nothing of its listeners (no import of theirs).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cascade.audit.models import AuditEvent

Listener = Callable[[Sequence["AuditEvent"]], None]

_listeners: list[Listener] = []


def listen(listener: Listener) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def recorded(events: Sequence[AuditEvent]) -> None:
    if not events:
        return
    for listener in _listeners:
        listener(events)
