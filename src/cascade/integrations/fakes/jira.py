"""A local fake of Jira, Cloud or Data Center, speaking the documented REST JSON.

Cloud (REST v3): ``POST /rest/api/3/search/approximate-count`` → ``{"count"}``;
``POST|GET /rest/api/3/search/jql`` → ``{"issues", "nextPageToken", "isLast"}`` (bounded JQL
only, ``fields`` as asked, ids only by default); ``GET /rest/api/3/myself``; the removed
``/rest/api/{2,3}/search`` answers 410 with Atlassian's migration message. Basic auth with an
account's email and API token.

Data Center (REST v2): ``GET|POST /rest/api/2/search`` → ``{"startAt", "maxResults", "total",
"issues"}``; ``GET /rest/api/2/myself``. Bearer auth with a personal access token.

Errors are ``{"errorMessages": [...], "errors": {}}``; every answer carries ``X-AREQUESTID``.

Besides the faults every fake has, ``broken_paging`` makes Cloud's ``/search/jql`` never say
``isLast``: ``"empty"`` answers ``{"issues": [], "isLast": false, "nextPageToken": "x"}``;
``"repeat"`` sends the first page again with the same token; ``"endless"`` sends the first
page again with a fresh token each time. It stops after ``broken_pages_limit`` such answers
(then 500), so a client without a page cap fails a test instead of hanging it.
"""

from __future__ import annotations

import base64
import json
import zlib
from dataclasses import dataclass, field
from typing import Any, Literal

from cascade.integrations.fakes.jql import JqlError, compile_jql
from cascade.integrations.fakes.server import FakeService, Reply, Seen

CATEGORIES = {
    "new": ("To Do", 2),
    "indeterminate": ("In Progress", 4),
    "done": ("Done", 3),
}
REMOVED = (
    "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
    "A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046"
)
UNBOUNDED = (
    "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."
)


def errors(*messages: str, **fields: str) -> dict[str, Any]:
    return {"errorMessages": list(messages), "errors": fields}


@dataclass
class Issue:
    key: str
    status: str = "To Do"
    category: str = "new"  # new, indeterminate or done (the status category's key)
    issuetype: str = "Story"
    labels: list[str] = field(default_factory=list)
    assignee: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)  # custom fields: customfield_10016 …

    @property
    def project(self) -> str:
        return self.key.split("-")[0]


class FakeJira(FakeService):
    name = "jira"
    request_id_header = "X-AREQUESTID"

    def __init__(
        self,
        flavour: Literal["cloud", "dc"] = "cloud",
        issues: list[Issue] | None = None,
        *,
        email: str = "bot@example.com",
        token: str = "jira-token",
        page_size: int = 100,
        custom_fields: tuple[str, ...] = ("customfield_10016",),
    ) -> None:
        super().__init__()
        self.flavour = flavour
        self.issues = list(issues or [])
        self.email = email
        self.token = token
        self.page_size = page_size
        self.custom_fields = set(custom_fields)
        self.broken_paging: Literal["", "empty", "repeat", "endless"] = ""
        self.broken_pages_limit = 1000
        self.broken_pages = 0

    def request_id(self) -> str:
        return f"{600 + len(self.requests)}x{super().request_id()}x1"

    # ------------------------------------------------------------------ auth
    def authorised(self, seen: Seen) -> bool:
        header = seen.headers.get("authorization", "")
        if self.flavour == "cloud":
            expected = base64.b64encode(f"{self.email}:{self.token}".encode()).decode()
            return header == f"Basic {expected}"
        return header == f"Bearer {self.token}"

    # ------------------------------------------------------------------ routes
    def route(self, seen: Seen) -> Reply:
        path = seen.path.rstrip("/")
        if self.flavour == "cloud" and path in ("/rest/api/3/search", "/rest/api/2/search"):
            return Reply(410, errors(REMOVED))
        if not self.authorised(seen):
            return Reply(
                401,
                errors(
                    "You are not authenticated. Authentication required to perform this operation."
                ),
                headers={"WWW-Authenticate": 'Basic realm="protected-area"'},
            )
        v = "3" if self.flavour == "cloud" else "2"
        routes = {
            ("GET", f"/rest/api/{v}/myself"): self.myself,
            ("POST", "/rest/api/3/search/approximate-count"): self.approximate_count,
            ("POST", "/rest/api/3/search/jql"): self.search_jql,
            ("GET", "/rest/api/3/search/jql"): self.search_jql,
            ("GET", "/rest/api/2/search"): self.search_v2,
            ("POST", "/rest/api/2/search"): self.search_v2,
        }
        handler = routes.get((seen.method, path))
        if handler is None or (self.flavour == "cloud") != ("/api/3/" in path):
            return Reply(404, errors("null for uri: " + seen.path))
        return handler(seen)

    def myself(self, seen: Seen) -> Reply:
        if self.flavour == "cloud":
            return Reply(
                200,
                {
                    "accountId": "5b10ac8d82e05b22cc7d4ef5",
                    "emailAddress": self.email,
                    "displayName": "Cascade (fake Jira Cloud)",
                    "active": True,
                },
            )
        return Reply(200, {"name": "cascade", "displayName": "Cascade (fake Jira DC)"})

    def _body(self, seen: Seen) -> dict[str, Any]:
        if seen.method == "GET":
            flat = {k: v[0] for k, v in seen.query.items()}
            fields = flat.get("fields")
            return {**flat, "fields": fields.split(",") if fields else None}
        try:
            body = seen.json()
        except ValueError:
            raise _BadRequest("Unexpected character in the request body") from None
        if not isinstance(body, dict):
            raise _BadRequest("The request body must be an object.")
        return body

    def _match(self, jql: str, bounded_only: bool) -> list[Issue]:
        try:
            predicate, bounded = compile_jql(jql or "", self.lookup)
        except JqlError as error:
            raise _BadRequest(str(error)) from None
        if bounded_only and not bounded:
            raise _BadRequest(UNBOUNDED)
        return [issue for issue in self.issues if predicate(issue)]

    def approximate_count(self, seen: Seen) -> Reply:
        try:
            body = self._body(seen)
            return Reply(200, {"count": len(self._match(str(body.get("jql") or ""), True))})
        except _BadRequest as error:
            return Reply(400, errors(str(error)))

    def search_jql(self, seen: Seen) -> Reply:
        try:
            body = self._body(seen)
            matched = self._match(str(body.get("jql") or ""), True)
        except _BadRequest as error:
            return Reply(400, errors(str(error)))
        if self.broken_paging:
            size = min(int(body.get("maxResults") or 50), self.page_size)
            return self.broken_page(matched[:size], body.get("fields"))
        start = 0
        if body.get("nextPageToken"):
            try:
                start = int(json.loads(base64.urlsafe_b64decode(body["nextPageToken"]))["at"])
            except (ValueError, KeyError, TypeError):
                return Reply(400, errors("The provided next page token is invalid or expired."))
        size = min(int(body.get("maxResults") or 50), self.page_size)
        page = matched[start : start + size]
        answer: dict[str, Any] = {
            "issues": [self.present(issue, body.get("fields")) for issue in page],
            "isLast": start + size >= len(matched),
        }
        if not answer["isLast"]:
            token = json.dumps({"at": start + size}).encode()
            answer["nextPageToken"] = base64.urlsafe_b64encode(token).decode()
        return Reply(200, answer)

    def broken_page(self, first: list[Issue], fields: Any) -> Reply:
        self.broken_pages += 1
        if self.broken_pages > self.broken_pages_limit:
            return Reply(500, errors("The fake gave up paging: the client has no page cap."))
        if self.broken_paging == "empty":
            return Reply(200, {"issues": [], "isLast": False, "nextPageToken": "x"})
        token = "same" if self.broken_paging == "repeat" else f"page-{self.broken_pages}"
        issues = [self.present(issue, fields) for issue in first]
        return Reply(200, {"issues": issues, "isLast": False, "nextPageToken": token})

    def search_v2(self, seen: Seen) -> Reply:
        try:
            body = self._body(seen)
            matched = self._match(str(body.get("jql") or ""), False)
            start = int(body.get("startAt") or 0)
            given = body.get("maxResults")
            wanted = 50 if given is None else int(given)
        except _BadRequest as error:
            return Reply(400, errors(str(error)))
        except ValueError:
            return Reply(400, errors("startAt and maxResults must be whole numbers."))
        size = min(wanted, self.page_size)
        page = matched[start : start + size] if size else []
        return Reply(
            200,
            {
                "expand": "schema,names",
                "startAt": start,
                "maxResults": size,
                "total": len(matched),
                "issues": [self.present(issue, body.get("fields")) for issue in page],
            },
        )

    # ------------------------------------------------------------------ issues
    def present(self, issue: Issue, wanted: Any) -> dict[str, Any]:
        number = zlib.crc32(issue.key.encode()) % 90000 + 10000
        shown: dict[str, Any] = {"id": str(number), "key": issue.key}
        if self.flavour == "dc" or wanted:
            shown["self"] = (
                f"{self.url}/rest/api/{'3' if self.flavour == 'cloud' else '2'}/issue/{number}"
            )
        fields: dict[str, Any] = {}
        for name in wanted or []:
            if name in self.custom_fields:
                fields[name] = issue.fields.get(name)
            elif name == "status":
                label, category_id = CATEGORIES[issue.category]
                fields["status"] = {
                    "name": issue.status,
                    "statusCategory": {"id": category_id, "key": issue.category, "name": label},
                }
            elif name == "summary":
                fields["summary"] = f"Issue {issue.key}"
            elif name == "labels":
                fields["labels"] = issue.labels
            # Unknown fields are left out, as Jira does.
        if wanted:
            shown["fields"] = fields
        return shown

    def lookup(self, issue: Issue | None, name: str) -> list[str] | None:
        """The values of a field for JQL (lower case), [] when empty, None for no such field."""
        key = name.lower()
        custom = {f.lower(): f for f in self.custom_fields}
        if key.startswith("cf[") and key.endswith("]"):
            key = f"customfield_{key[3:-1]}"
        known = {
            "project",
            "status",
            "statuscategory",
            "issuetype",
            "type",
            "labels",
            "assignee",
            "key",
            "issuekey",
        }
        if key not in known and key not in custom:
            return None
        if issue is None:
            return []
        if key == "project":
            return [issue.project.lower()]
        if key == "status":
            return [issue.status.lower()]
        if key == "statuscategory":
            label, category_id = CATEGORIES[issue.category]
            return [issue.category, label.lower(), str(category_id)]
        if key in ("issuetype", "type"):
            return [issue.issuetype.lower()]
        if key == "labels":
            return [label.lower() for label in issue.labels]
        if key == "assignee":
            return [issue.assignee.lower()] if issue.assignee else []
        if key in ("key", "issuekey"):
            return [issue.key.lower()]
        value = issue.fields.get(custom[key])
        return [] if value is None else [str(value).lower()]


class _BadRequest(Exception):
    pass
