"""What each binding mode measures, given a signed-in client.

* Jira count: the number of issues matching the JQL (Cloud's approximate count; Data Center's
  ``total``).
* Jira done ÷ total: two counts, the second with ``AND statusCategory = Done``, as a
  percentage (0–100). It binds to key results measured in %, so the check-in history reads
  "75 %" and the target can be any share (80 % done, say).
* Jira sum: the sum of a numeric field (story points) over the matching issues, paged.
* SOQL value: COUNT()'s totalSize, or the first field of the first row.
* Report total: a report's grand total, its first aggregate unless one is named.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from cascade.core import formatting
from cascade.integrations.clients.http import Answer
from cascade.integrations.clients.jira import JiraClient, done_jql
from cascade.integrations.clients.salesforce import SalesforceClient
from cascade.integrations.errors import ErrorKind, SyncError
from cascade.integrations.models import Mode

HUNDRED = Decimal(100)
SIX_PLACES = Decimal("0.000001")


@dataclass(frozen=True)
class Query:
    mode: str
    query: str
    field: str = ""


def measure(query: Query, client: JiraClient | SalesforceClient) -> Answer:
    if query.mode in (Mode.JIRA_COUNT, Mode.JIRA_DONE_RATIO, Mode.JIRA_SUM):
        if not isinstance(client, JiraClient):
            raise SyncError(ErrorKind.BAD_QUERY, "This mode needs a Jira connection.")
        if query.mode == Mode.JIRA_COUNT:
            return client.count(query.query)
        if query.mode == Mode.JIRA_SUM:
            return client.sum_field(query.query, query.field)
        return done_ratio(client, query.query)
    if not isinstance(client, SalesforceClient):
        raise SyncError(ErrorKind.BAD_QUERY, "This mode needs a Salesforce connection.")
    if query.mode == Mode.SOQL_SCALAR:
        return client.scalar(query.query)
    if query.mode == Mode.REPORT_AGGREGATE:
        return client.report_total(query.query.strip(), query.field.strip())
    raise SyncError(ErrorKind.BAD_QUERY, f"Unknown mode {query.mode!r}.")


def done_ratio(client: JiraClient, jql: str) -> Answer:
    total = client.count(jql)
    if total.value == 0:
        raise SyncError(
            ErrorKind.NO_DATA,
            "No issue matches the JQL, so done ÷ total has no value yet.",
            request_id=total.request_id,
        )
    done = client.count(done_jql(jql))
    # Approximate counts may disagree for a moment; a share is never above all of it.
    share = min(done.value, total.value) / total.value * HUNDRED
    return Answer(
        share.quantize(SIX_PLACES),
        done.request_id,
        f"{formatting.number(done.value)} done of {formatting.number(total.value)} issues",
    )
