"""Thin clients for Jira Cloud (REST v3) and Jira Data Center (REST v2).

Cloud: ``POST /rest/api/3/search/approximate-count`` counts, ``POST /rest/api/3/search/jql``
pages with ``nextPageToken`` until ``isLast``; it signs in with an account's email and API
token (basic auth). The old ``/rest/api/{2,3}/search`` answers 410 on Cloud and is never used
here. Data Center: ``/rest/api/2/search`` counts (``total`` with ``maxResults=0``) and pages with
``startAt``/``maxResults``/``total``; it signs in with a personal access token (bearer).
Errors come as ``{"errorMessages": [...], "errors": {field: message}}``.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from cascade.integrations.clients.http import Answer, HttpSession, number, request_id_of
from cascade.integrations.errors import ErrorKind, SyncError

PAGE_SIZE = 100  # the most /search/jql returns per page when fields are asked for
MAX_ISSUES = 50_000  # a sum over more issues than this is refused: narrow the JQL
# At most this many pages of a search, so that a server that keeps answering "not the last
# page" cannot keep a worker forever: room for MAX_ISSUES even when Jira sends half a page.
MAX_PAGES = 2 * MAX_ISSUES // PAGE_SIZE
ORDER_BY = re.compile(r"\s+order\s+by\s+.*$", re.IGNORECASE | re.DOTALL)


def jira_message(body: Any) -> str:
    """Jira's own words: errorMessages, then the per-field errors (or a plain "message")."""
    if not isinstance(body, dict):
        return ""
    listed = body.get("errorMessages")
    if isinstance(listed, str):
        listed = [listed]
    parts = [str(m) for m in listed if m] if isinstance(listed, list) else []
    errors = body.get("errors")
    if isinstance(errors, dict):
        parts += [f"{field}: {message}" for field, message in errors.items()]
    if not parts and body.get("message"):
        parts.append(str(body["message"]))
    return " ".join(parts)


def without_order_by(jql: str) -> str:
    return ORDER_BY.sub("", jql).strip()


def done_jql(jql: str) -> str:
    """The issues of ``jql`` that are done. ORDER BY cannot sit inside parentheses: it goes."""
    base = without_order_by(jql)
    return f"({base}) AND statusCategory = Done" if base else "statusCategory = Done"


class JiraClient:
    service = "Jira"
    api = ""

    def __init__(self, session: HttpSession) -> None:
        self.session = session

    def _call(self, method: str, path: str, **kwargs: Any) -> tuple[Any, str]:
        response = self.session.send(method, path, **kwargs)
        self.session.check(response, jira_message)
        return self.session.json(response), request_id_of(response)

    def whoami(self) -> tuple[str, str]:
        """The signed-in account's display name, and the request id: "Test connection"."""
        body, rid = self._call("GET", f"{self.api}/myself")
        if not isinstance(body, dict):
            raise SyncError(ErrorKind.BAD_RESPONSE, "Jira's /myself answer is not an object.")
        return str(body.get("displayName") or body.get("name") or "?"), rid

    def count(self, jql: str) -> Answer:
        raise NotImplementedError

    def pages(self, jql: str, field: str) -> Iterator[tuple[list[dict[str, Any]], str]]:
        raise NotImplementedError

    def sum_field(self, jql: str, field: str) -> Answer:
        """The sum of a numeric field over the issues; an issue without a value adds nothing."""
        total = Decimal(0)
        seen = present = 0
        rid = ""
        for issues, page_request_id in self.pages(without_order_by(jql), field):
            rid = page_request_id
            for issue in issues:
                seen += 1
                fields = issue.get("fields") if isinstance(issue, dict) else None
                if not isinstance(fields, dict):
                    raise SyncError(ErrorKind.BAD_RESPONSE, "Jira sent an issue without fields.")
                if field in fields:
                    present += 1
                    if fields[field] is not None:
                        key = issue.get("key", "an issue")
                        total += number(fields[field], f"The field {field} of {key}")
            if seen > MAX_ISSUES:
                raise SyncError(
                    ErrorKind.BAD_QUERY,
                    f"More than {MAX_ISSUES:,} issues match: narrow the JQL to sum a field.",
                )
        if seen and not present:
            raise SyncError(
                ErrorKind.BAD_QUERY,
                f"No issue has a field {field!r}: use the field's id, such as customfield_10016.",
                request_id=rid,
            )
        return Answer(total, rid, f"sum of {field} over {seen} issue{'s' * (seen != 1)}")


class JiraCloudClient(JiraClient):
    service = "Jira Cloud"
    api = "/rest/api/3"

    @classmethod
    def connect(cls, site_url: str, email: str, api_token: str) -> JiraCloudClient:
        basic = base64.b64encode(f"{email}:{api_token}".encode()).decode()
        return cls(HttpSession(cls.service, site_url, {"Authorization": f"Basic {basic}"}))

    def count(self, jql: str) -> Answer:
        body, rid = self._call(
            "POST", f"{self.api}/search/approximate-count", json={"jql": without_order_by(jql)}
        )
        if not isinstance(body, dict) or "count" not in body:
            raise SyncError(ErrorKind.BAD_RESPONSE, "Jira's count answer has no count.")
        value = number(body["count"], "Jira's count", kind=ErrorKind.BAD_RESPONSE)
        return Answer(value, rid, f"{value} issue{'s' * (value != 1)}")

    def pages(self, jql: str, field: str) -> Iterator[tuple[list[dict[str, Any]], str]]:
        """Pages of /search/jql until ``isLast``; a page that promises more but brings no
        issue, or a token Jira gave before, is a broken answer (it would page forever)."""
        token: str | None = None
        seen_tokens: set[str] = set()
        rid = ""
        for _ in range(MAX_PAGES):
            request: dict[str, Any] = {"jql": jql, "fields": [field], "maxResults": PAGE_SIZE}
            if token:
                request["nextPageToken"] = token
            body, rid = self._call("POST", f"{self.api}/search/jql", json=request)
            if not isinstance(body, dict) or not isinstance(body.get("issues", []), list):
                raise SyncError(ErrorKind.BAD_RESPONSE, "Jira's search answer has no issues.")
            issues = body.get("issues", [])
            yield issues, rid
            token = body.get("nextPageToken")
            if body.get("isLast", True) or not token:
                return
            if not issues:
                raise SyncError(
                    ErrorKind.BAD_RESPONSE,
                    "Jira sent an empty page of issues that is not the last one; "
                    "Cascade stopped paging.",
                    request_id=rid,
                )
            if not isinstance(token, str):
                raise SyncError(
                    ErrorKind.BAD_RESPONSE,
                    "Jira's next-page token is not text; Cascade stopped paging.",
                    request_id=rid,
                )
            if token in seen_tokens:
                raise SyncError(
                    ErrorKind.BAD_RESPONSE,
                    "Jira sent a next-page token it had sent before; Cascade stopped paging.",
                    request_id=rid,
                )
            seen_tokens.add(token)
        raise _too_many_pages(rid)


class JiraDataCenterClient(JiraClient):
    service = "Jira Data Center"
    api = "/rest/api/2"

    @classmethod
    def connect(cls, base_url: str, token: str) -> JiraDataCenterClient:
        return cls(HttpSession(cls.service, base_url, {"Authorization": f"Bearer {token}"}))

    def count(self, jql: str) -> Answer:
        body, rid = self._call(
            "GET",
            f"{self.api}/search",
            params={"jql": without_order_by(jql), "maxResults": 0, "fields": "id"},
        )
        if not isinstance(body, dict) or "total" not in body:
            raise SyncError(ErrorKind.BAD_RESPONSE, "Jira's search answer has no total.")
        value = number(body["total"], "Jira's total", kind=ErrorKind.BAD_RESPONSE)
        return Answer(value, rid, f"{value} issue{'s' * (value != 1)}")

    def pages(self, jql: str, field: str) -> Iterator[tuple[list[dict[str, Any]], str]]:
        start, rid = 0, ""
        for _ in range(MAX_PAGES):
            request = {"jql": jql, "startAt": start, "maxResults": PAGE_SIZE, "fields": [field]}
            body, rid = self._call("POST", f"{self.api}/search", json=request)
            issues = body.get("issues") if isinstance(body, dict) else None
            if not isinstance(issues, list) or not isinstance(body.get("total"), int):
                raise SyncError(ErrorKind.BAD_RESPONSE, "Jira's search answer has no issues.")
            yield issues, rid
            start += len(issues)
            if not issues or start >= body["total"]:
                return
        raise _too_many_pages(rid)


def _too_many_pages(request_id: str) -> SyncError:
    return SyncError(
        ErrorKind.BAD_QUERY,
        f"Jira's answer runs past {MAX_PAGES} pages: narrow the JQL to sum a field.",
        request_id=request_id,
    )
