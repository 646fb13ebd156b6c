"""``{% data_source kr as source %}``: a key result's binding, for the goal page's KR rows.

The first call on a page fetches the bindings of every key result in the page's ``kr_rows``
in one query and keeps them for the rest of the request, so the goal page's number of queries
does not grow with its key results.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from weakref import WeakKeyDictionary

from django import template
from django.http import HttpRequest
from django.utils.timesince import timesince

from cascade import permissions
from cascade.integrations.models import Binding, Connection
from cascade.integrations.redaction import error_for_reader
from cascade.integrations.selectors import sources_for

register = template.Library()

QUIET = timedelta(minutes=5)  # a sync's own check-in is a moment before it ends

_pages: WeakKeyDictionary[HttpRequest, dict[int, Binding | None]] = WeakKeyDictionary()


@register.simple_tag(takes_context=True)
def data_source(context: template.Context, key_result: Any) -> Binding | None:
    member = context.get("member")
    request = context.get("request")
    if member is None or key_result is None:
        return None
    if request is None:
        return sources_for(member, [key_result.pk]).get(key_result.pk)
    known = _pages.get(request)
    if known is None or key_result.pk not in known:
        rows = context.get("kr_rows") or []
        ids = {row.key_result.pk for row, _ in rows} | {key_result.pk}
        known = {**(known or {}), **dict.fromkeys(ids)}
        known.update(sources_for(member, ids))
        _pages[request] = known
    return known.get(key_result.pk)


_connected: WeakKeyDictionary[HttpRequest, bool] = WeakKeyDictionary()


@register.simple_tag(takes_context=True)
def has_connections(context: template.Context) -> bool:
    """Does the organisation have a connection to bind to? One query per request."""
    member = context.get("member")
    request = context.get("request")
    if member is None:
        return False
    if request is not None and request in _connected:
        return _connected[request]
    answer = Connection.objects.filter(organisation_id=member.organisation_id).exists()
    if request is not None:
        _connected[request] = answer
    return answer


@register.simple_tag
def unchanged_for(key_result: Any, binding: Binding) -> str:
    """How long the value has stayed as it is although syncs ran ("3 days"), or "" when the
    last sync changed it: so "last synced a minute ago" and an old check-in do not contradict."""
    synced, changed = binding.last_synced_at, getattr(key_result, "last_checkin_at", None)
    if synced is None or changed is None or synced - changed < QUIET:
        return ""
    return timesince(changed, synced)


@register.simple_tag(takes_context=True)
def source_error(context: template.Context, text: str, connection: Connection) -> str:
    """``{% source_error run.error binding.connection %}``: a sync's error as the signed-in
    member may read it (without host names and URLs unless a super user)."""
    member = context.get("member")
    full = member is not None and permissions.can_read_source_errors(member)
    return error_for_reader(text, connection, full=full)
