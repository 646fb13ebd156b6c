"""Reads of connections, bindings and runs, scoped to the reader's organisation."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, QuerySet

from cascade.core.errors import NotFound
from cascade.core.numbers import id_or_not_found
from cascade.goals.models import KeyResult
from cascade.integrations.models import Binding, Connection, SyncRun
from cascade.orgs.models import Member


def connections(member: Member) -> QuerySet[Connection]:
    """The organisation's connections, each with how many key results it feeds."""
    return (
        Connection.objects.filter(organisation_id=member.organisation_id)
        .annotate(binding_count=Count("bindings"))
        .order_by("name", "id")
    )


def get_connection(member: Member, connection_id: object, field: str | None = None) -> Connection:
    connection = Connection.objects.filter(
        pk=id_or_not_found(connection_id, "connection", field),
        organisation_id=member.organisation_id,
    ).first()
    if connection is None:
        raise NotFound("No such connection.", field)
    return connection


def bound_key_results(connection: Connection) -> QuerySet[Binding]:
    return (
        Binding.objects.filter(connection=connection)
        .select_related("key_result__goal", "last_run")
        .order_by("key_result__goal__title", "key_result__title")
    )


def sources_for(member: Member, key_result_ids: Iterable[int]) -> dict[int, Binding]:
    """The data source of each key result that has one: one query, whatever their number."""
    ids = list(key_result_ids)
    if not ids:
        return {}
    bindings = Binding.objects.filter(
        organisation_id=member.organisation_id, key_result_id__in=ids
    ).select_related("connection", "last_run")
    return {binding.key_result_id: binding for binding in bindings}


def binding_of(key_result: KeyResult) -> Binding | None:
    return (
        Binding.objects.select_related("connection", "last_run")
        .filter(key_result=key_result)
        .first()
    )


def recent_runs(binding: Binding, limit: int = 10) -> list[SyncRun]:
    return list(SyncRun.objects.filter(binding=binding).order_by("-queued_at", "-id")[:limit])
