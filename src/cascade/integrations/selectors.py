"""Reads of connections, bindings and runs, scoped to the reader's organisation."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, QuerySet

from cascade.core.errors import NotFound
from cascade.core.numbers import id_or_not_found
from cascade.goals.models import KeyResult
from cascade.integrations.models import Binding, Connection, Service, SyncRun
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


# What a person calls the service a key result is synced from: "Synced from Jira".
SOURCE_NAMES = {
    Service.JIRA_CLOUD: "Jira",
    Service.JIRA_DATA_CENTER: "Jira",
    Service.SALESFORCE: "Salesforce",
}


def _names(services: Iterable[str]) -> str:
    return " and ".join(sorted({SOURCE_NAMES.get(Service(s), s) for s in services}))


def synced_key_results(organisation_id: int, key_result_ids: Iterable[int]) -> dict[int, str]:
    """Key result id → the service its value is synced from ("Jira"), for those bound. One query."""
    rows = Binding.objects.filter(
        organisation_id=organisation_id, key_result_id__in=list(key_result_ids)
    ).values_list("key_result_id", "connection__service")
    return {kr_id: _names([service]) for kr_id, service in rows}


def synced_goals(organisation_id: int, goal_ids: Iterable[int]) -> dict[int, str]:
    """Goal id → where its synced key results come from ("Jira and Salesforce"), for goals
    with at least one. One query."""
    services: dict[int, set[str]] = {}
    rows = Binding.objects.filter(
        organisation_id=organisation_id, key_result__goal_id__in=list(goal_ids)
    ).values_list("key_result__goal_id", "connection__service")
    for goal_id, service in rows:
        services.setdefault(goal_id, set()).add(service)
    return {goal_id: _names(names) for goal_id, names in services.items()}
