"""A local fake of a Salesforce org, speaking the documented REST JSON.

``POST /services/oauth2/token``: the client credentials flow (``client_id`` and
``client_secret``) and the JWT bearer flow (an RS256 assertion checked against the connected
app's certificate: ``iss``, ``sub``, ``aud``, ``exp``); answers ``{access_token, instance_url,
id, token_type, issued_at, signature}`` or ``{"error", "error_description"}``.
``GET /services/data/vNN.0/query?q=`` → ``{totalSize, done, records[, nextRecordsUrl]}``, the
next batches at ``/services/data/vNN.0/query/<locator>-<offset>``;
``GET /services/data/vNN.0/analytics/reports/{id}`` → the report's ``factMap`` with its grand
total at ``"T!T"``. Errors are ``[{"message", "errorCode"}]``: ``INVALID_SESSION_ID`` (401),
``MALFORMED_QUERY``, ``INVALID_FIELD``, ``INVALID_TYPE`` (400), ``NOT_FOUND`` (404).
Every answer carries ``x-sfdc-request-id``.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from cascade.integrations.fakes.server import FakeService, Reply, Seen
from cascade.integrations.fakes.soql import SoqlError, parse, run

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
VERSIONED = re.compile(r"^/services/data/(v\d+\.0)(/.*)?$")


def sf_error(code: str, message: str) -> list[dict[str, str]]:
    return [{"message": message, "errorCode": code}]


@dataclass
class Report:
    """A tabular report over one object: a filter and its summary fields (aggregates)."""

    name: str
    sobject: str
    where: dict[str, Any] = field(default_factory=dict)  # field: value, or field: [values]
    # (aggregate name, label, function, field): ("s!Amount", "Sum of Amount", "sum", "Amount")
    aggregates: list[tuple[str, str, str, str | None]] = field(
        default_factory=lambda: [("RowCount", "Record Count", "count", None)]
    )


def _unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


class FakeSalesforce(FakeService):
    name = "salesforce"
    request_id_header = "x-sfdc-request-id"

    def __init__(
        self,
        objects: dict[str, list[dict[str, Any]]] | None = None,
        reports: dict[str, Report] | None = None,
        *,
        client_id: str = "fake-consumer-key",
        client_secret: str = "fake-consumer-secret",
        username: str = "integration@example.com",
        certificate_key: rsa.RSAPublicKey | None = None,
        batch_size: int = 2000,
        today: date | None = None,
    ) -> None:
        super().__init__()
        self.objects = objects or {}
        self.reports = reports or {}
        self.client_id = client_id
        self.client_secret = client_secret
        self.username = username
        self.certificate_key = certificate_key
        self.batch_size = batch_size
        self.today = today
        self.sessions: set[str] = set()
        self.cursors: dict[str, list[dict[str, Any]]] = {}
        self.sign_ins = 0

    def request_id(self) -> str:
        return secrets.token_hex(16)

    def expire_sessions(self) -> None:
        """Every access token stops working (a session timeout, or a revoked app)."""
        self.sessions.clear()

    # ------------------------------------------------------------------ routes
    def route(self, seen: Seen) -> Reply:
        if seen.path == "/services/oauth2/token" and seen.method == "POST":
            return self.token(seen)
        if seen.path.rstrip("/") == "/services/data":
            return Reply(200, [{"label": "Fake", "url": "/services/data/v62.0", "version": "62.0"}])
        match = VERSIONED.match(seen.path)
        if match is None:
            return Reply(404, sf_error("NOT_FOUND", "The requested resource does not exist"))
        bearer = seen.headers.get("authorization", "")
        if not bearer.startswith("Bearer ") or bearer[7:] not in self.sessions:
            return Reply(401, sf_error("INVALID_SESSION_ID", "Session expired or invalid"))
        version, rest = match.group(1), (match.group(2) or "/").rstrip("/") or "/"
        if rest == "/":
            return Reply(
                200,
                {
                    "query": f"/services/data/{version}/query",
                    "analytics": f"/services/data/{version}/analytics",
                },
            )
        if rest == "/query" and seen.method == "GET":
            return self.query(seen.arg("q"), version)
        if rest.startswith("/query/"):
            return self.more(rest[len("/query/") :], version)
        if rest.startswith("/analytics/reports/") and seen.method == "GET":
            return self.report(rest[len("/analytics/reports/") :], version)
        return Reply(404, sf_error("NOT_FOUND", "The requested resource does not exist"))

    # ------------------------------------------------------------------ OAuth 2.0
    def token(self, seen: Seen) -> Reply:
        form = seen.form()
        grant = form.get("grant_type")
        if grant == "client_credentials":
            if (
                form.get("client_id") != self.client_id
                or form.get("client_secret") != self.client_secret
            ):
                return Reply(
                    400,
                    {"error": "invalid_client", "error_description": "invalid client credentials"},
                )
        elif grant == JWT_GRANT:
            problem = self.check_assertion(form.get("assertion", ""))
            if problem:
                return Reply(400, {"error": "invalid_grant", "error_description": problem})
        else:
            return Reply(
                400,
                {
                    "error": "unsupported_grant_type",
                    "error_description": "grant type not supported",
                },
            )
        access_token = "00DFAKE!" + secrets.token_urlsafe(24)
        self.sessions.add(access_token)
        self.sign_ins += 1
        return Reply(
            200,
            {
                "access_token": access_token,
                "instance_url": self.url,
                "id": f"{self.url}/id/00DFAKE000000000001/005FAKE000000000001",
                "token_type": "Bearer",
                "issued_at": str(int(time.time() * 1000)),
                "signature": base64.b64encode(secrets.token_bytes(32)).decode(),
                "scope": "api",
            },
        )

    def check_assertion(self, assertion: str) -> str:
        try:
            header, payload, signature = assertion.split(".")
            claims = json.loads(_unb64(payload))
            algorithm = json.loads(_unb64(header)).get("alg")
        except (ValueError, TypeError):
            return "invalid assertion"
        if algorithm != "RS256" or self.certificate_key is None:
            return "invalid assertion"
        try:
            self.certificate_key.verify(
                _unb64(signature),
                f"{header}.{payload}".encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except (InvalidSignature, ValueError):
            return "invalid assertion"
        if claims.get("iss") != self.client_id:
            return "invalid client identifier"
        if claims.get("aud") not in ("https://login.salesforce.com", "https://test.salesforce.com"):
            return "audience is invalid"
        if claims.get("sub") != self.username:
            return "user hasn't approved this consumer"
        if int(claims.get("exp", 0)) < time.time():
            return "expired authorization code"
        return ""

    # ------------------------------------------------------------------ SOQL
    def schema(self) -> dict[str, set[str]]:
        return {
            name: {k for row in rows for k in row} | {"Id"} for name, rows in self.objects.items()
        }

    def query(self, soql: str, version: str) -> Reply:
        if not soql:
            return Reply(400, sf_error("MALFORMED_QUERY", "unexpected token: '<EOF>'"))
        try:
            parsed = parse(soql, self.schema(), self.today or date.today())
        except SoqlError as error:
            return Reply(400, sf_error(error.code, str(error)))
        records, total = run(parsed, self.objects.get(parsed.sobject, []))
        kind = "AggregateResult" if any(i.aggregate for i in parsed.items) else parsed.sobject
        shaped = []
        for index, record in enumerate(records):
            attributes: dict[str, Any] = {"type": kind}
            if kind != "AggregateResult":
                record_id = record.get("Id") or f"006FAKE{index:011d}"
                attributes["url"] = f"/services/data/{version}/sobjects/{kind}/{record_id}"
            shaped.append({"attributes": attributes, **record})
        if parsed.count_only:
            return Reply(200, {"totalSize": total, "done": True, "records": []})
        return self.batch(shaped, 0, version, total)

    def batch(self, records: list[dict[str, Any]], offset: int, version: str, total: int) -> Reply:
        page = records[offset : offset + self.batch_size]
        answer: dict[str, Any] = {
            "totalSize": total,
            "done": offset + self.batch_size >= len(records),
            "records": page,
        }
        if not answer["done"]:
            locator = f"01gFAKE{len(self.cursors):08d}"
            self.cursors[locator] = records
            answer["nextRecordsUrl"] = (
                f"/services/data/{version}/query/{locator}-{offset + self.batch_size}"
            )
        return Reply(200, answer)

    def more(self, cursor: str, version: str) -> Reply:
        locator, _, offset = cursor.partition("-")
        records = self.cursors.get(locator)
        if records is None or not offset.isdigit():
            return Reply(400, sf_error("INVALID_QUERY_LOCATOR", "invalid query locator"))
        return self.batch(records, int(offset), version, len(records))

    # ------------------------------------------------------------------ reports
    def report(self, report_id: str, version: str) -> Reply:
        report = self.reports.get(report_id)
        if report is None:
            return Reply(404, sf_error("NOT_FOUND", "The requested resource does not exist"))
        rows = [
            row
            for row in self.objects.get(report.sobject, [])
            if all(
                row.get(k) in (v if isinstance(v, list) else [v]) for k, v in report.where.items()
            )
        ]
        aggregates = []
        for _, _, function, column in report.aggregates:
            values = [float(row[column]) for row in rows if column and row.get(column) is not None]
            value: float | int | None = (
                len(rows) if function == "count" else (sum(values) if values else None)
            )
            label = f"{value:,.0f}" if isinstance(value, int | float) else "-"
            aggregates.append({"label": label, "value": value})
        return Reply(
            200,
            {
                "attributes": {
                    "reportId": report_id,
                    "reportName": report.name,
                    "type": "Report",
                    "describeUrl": f"/services/data/{version}/analytics/reports/{report_id}/describe",
                    "instancesUrl": f"/services/data/{version}/analytics/reports/{report_id}/instances",
                },
                "allData": True,
                "factMap": {"T!T": {"aggregates": aggregates, "rows": []}},
                "groupingsAcross": {"groupings": []},
                "groupingsDown": {"groupings": []},
                "hasDetailRows": False,
                "reportMetadata": {
                    "id": report_id,
                    "name": report.name,
                    "reportFormat": "TABULAR",
                    "aggregates": [name for name, _, _, _ in report.aggregates],
                    "detailColumns": [],
                },
                "reportExtendedMetadata": {
                    "aggregateColumnInfo": {
                        name: {
                            "label": label,
                            "dataType": "double" if function != "count" else "int",
                        }
                        for name, label, function, _ in report.aggregates
                    }
                },
            },
        )


def public_key_of(private_key_pem: str) -> rsa.RSAPublicKey:
    """The certificate's public key a connected app would hold for this private key."""
    key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key.public_key()
