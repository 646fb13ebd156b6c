"""A thin Salesforce REST client: OAuth 2.0 server-to-server sign-in, SOQL and report totals.

Sign-in posts to ``<login URL>/services/oauth2/token`` with either the client credentials flow
(``grant_type=client_credentials``, the connected app's key and secret; the login URL must be
the org's My Domain) or the JWT bearer flow (``grant_type=urn:ietf:params:oauth:grant-type:
jwt-bearer`` and an RS256-signed assertion: ``iss`` the consumer key, ``sub`` the user, ``aud``
login.salesforce.com or test.salesforce.com, ``exp`` three minutes ahead). The answer's
``access_token`` and ``instance_url`` are cached (sealed, on the connection) and reused until
Salesforce says ``INVALID_SESSION_ID``; then the client signs in again, once.

Queries: ``GET /services/data/vNN.0/query?q=…`` answers ``{totalSize, done, records,
nextRecordsUrl}``; reports: ``GET /services/data/vNN.0/analytics/reports/{id}`` runs the report
and answers its ``factMap``, whose ``"T!T"`` entry holds the grand totals. Errors come as
``[{"message": …, "errorCode": …}]``; sign-in errors as ``{"error", "error_description"}``.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from cascade.integrations.clients.http import Answer, HttpSession, clip, number, request_id_of
from cascade.integrations.errors import ErrorKind, SyncError

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
COUNT_ONLY = re.compile(r"^\s*select\s+count\(\s*\)\s+from\s", re.IGNORECASE)
REPORT_ID = re.compile(r"^00O[0-9A-Za-z]{12}(?:[0-9A-Za-z]{3})?$")
API_VERSION = re.compile(r"^v\d{2,3}\.0$")
DEFAULT_API_VERSION = "v62.0"
MAX_PAGES = 50
LIMIT_CODES = {"REQUEST_LIMIT_EXCEEDED"}


def salesforce_message(body: Any) -> str:
    """Salesforce's own words: "ERROR_CODE: message" for each error it listed."""
    if isinstance(body, dict):  # the OAuth endpoint's shape
        if body.get("error"):
            return f"{body['error']}: {body.get('error_description', '')}".strip(": ")
        body = [body]
    if not isinstance(body, list):
        return ""
    parts = []
    for error in body:
        if isinstance(error, dict) and (error.get("message") or error.get("errorCode")):
            code = error.get("errorCode", "")
            message = error.get("message", "")
            parts.append(f"{code}: {message}" if code else str(message))
    return " ".join(parts)


def error_codes(body: Any) -> set[str]:
    if isinstance(body, list):
        return {str(e.get("errorCode")) for e in body if isinstance(e, dict)}
    return set()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def load_private_key(pem: str) -> rsa.RSAPrivateKey:
    """The RSA private key of a PEM, or ValueError saying what is wrong with it."""
    try:
        key = serialization.load_pem_private_key(pem.strip().encode(), password=None)
    except (ValueError, TypeError) as error:
        raise ValueError(
            "This is not an unencrypted PEM private key (-----BEGIN PRIVATE KEY----- …)."
        ) from error
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("The JWT bearer flow needs an RSA private key.")
    return key


def audience_for(login_url: str) -> str:
    host = urlsplit(login_url).hostname or ""
    if host == "test.salesforce.com" or host.endswith(".sandbox.my.salesforce.com"):
        return "https://test.salesforce.com"
    return "https://login.salesforce.com"


def jwt_assertion(
    *, client_id: str, username: str, audience: str, private_key_pem: str, now: float | None = None
) -> str:
    header = b64url(json.dumps({"alg": "RS256", "typ": "JWT"}).encode())
    claims = {
        "iss": client_id,
        "sub": username,
        "aud": audience,
        "exp": int((now or time.time()) + 180),
    }
    payload = b64url(json.dumps(claims).encode())
    signing_input = f"{header}.{payload}".encode()
    signature = load_private_key(private_key_pem).sign(
        signing_input, padding.PKCS1v15(), hashes.SHA256()
    )
    return f"{header}.{payload}.{b64url(signature)}"


@dataclass(frozen=True)
class ClientCredentials:
    client_id: str
    client_secret: str

    def form(self, login_url: str) -> dict[str, str]:
        return {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
        }


@dataclass(frozen=True)
class JwtBearer:
    client_id: str
    username: str
    private_key_pem: str

    def form(self, login_url: str) -> dict[str, str]:
        assertion = jwt_assertion(
            client_id=self.client_id,
            username=self.username,
            audience=audience_for(login_url),
            private_key_pem=self.private_key_pem,
        )
        return {"grant_type": JWT_GRANT, "assertion": assertion}


class TokenCache(Protocol):
    """Where the access token lives between syncs (sealed on the connection)."""

    def load(self) -> tuple[str, str] | None: ...

    def store(self, access_token: str, instance_url: str) -> None: ...


class MemoryTokenCache:
    def __init__(self) -> None:
        self.token: tuple[str, str] | None = None

    def load(self) -> tuple[str, str] | None:
        return self.token

    def store(self, access_token: str, instance_url: str) -> None:
        self.token = (access_token, instance_url)


class SalesforceClient:
    service = "Salesforce"

    def __init__(
        self,
        login_url: str,
        credentials: ClientCredentials | JwtBearer,
        cache: TokenCache,
        api_version: str = DEFAULT_API_VERSION,
    ) -> None:
        self.login_url = login_url.rstrip("/")
        self.credentials = credentials
        self.cache = cache
        self.version = api_version or DEFAULT_API_VERSION
        self.signer = HttpSession(self.service, self.login_url)
        self.api: HttpSession | None = None
        self.token = ""

    def close(self) -> None:
        self.signer.close()
        if self.api is not None:
            self.api.close()

    def __enter__(self) -> SalesforceClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ signing in
    def sign_in(self) -> tuple[str, str]:
        """A fresh access token and the org's instance URL, or AUTH with Salesforce's reason."""
        response = self.signer.send(
            "POST", "/services/oauth2/token", data=self.credentials.form(self.login_url)
        )
        rid = request_id_of(response)
        if response.status_code in (400, 401, 403):
            try:
                said = salesforce_message(response.json())
            except ValueError:
                said = ""
            raise SyncError(
                ErrorKind.AUTH,
                clip(f"Salesforce refused the sign-in: {said or response.reason_phrase}"),
                status=response.status_code,
                request_id=rid,
            )
        self.signer.check(response, salesforce_message)
        body = self.signer.json(response)
        token = body.get("access_token") if isinstance(body, dict) else None
        instance = body.get("instance_url") if isinstance(body, dict) else None
        if not token or not instance or urlsplit(instance).scheme not in ("http", "https"):
            raise SyncError(
                ErrorKind.BAD_RESPONSE,
                "Salesforce's sign-in answer has no access token or instance URL.",
                request_id=rid,
            )
        return str(token), str(instance)

    def _session(self, fresh: bool) -> tuple[HttpSession, bool]:
        cached = None if fresh else self.cache.load()
        signed_in_now = cached is None
        if cached is None:
            cached = self.sign_in()
            self.cache.store(*cached)
        token, instance = cached
        if self.api is None or self.api.base_url != instance.rstrip("/") or self.token != token:
            if self.api is not None:
                self.api.close()
            self.api = HttpSession(self.service, instance, {"Authorization": f"Bearer {token}"})
            self.token = token
        return self.api, signed_in_now

    def get(self, path: str, params: dict[str, str] | None = None) -> tuple[Any, str]:
        """GET with the cached session; on INVALID_SESSION_ID sign in again, once."""
        fresh = False
        while True:
            session, signed_in_now = self._session(fresh)
            response = session.send("GET", path, params=params)
            if response.status_code == 401 and not signed_in_now and not fresh:
                fresh = True  # the cached session expired or was revoked: one new sign-in
                continue
            if response.status_code == 403:
                try:
                    body = response.json()
                except ValueError:
                    body = None
                if error_codes(body) & LIMIT_CODES:
                    raise SyncError(
                        ErrorKind.RATE_LIMITED,
                        clip(salesforce_message(body)),
                        status=403,
                        request_id=request_id_of(response),
                    )
            session.check(response, salesforce_message)
            return session.json(response), request_id_of(response)

    # ------------------------------------------------------------------ reads
    def whoami(self) -> tuple[str, str]:
        """Where the sign-in leads: "Test connection"."""
        body, rid = self.get(f"/services/data/{self.version}/")
        if not isinstance(body, dict):
            raise SyncError(ErrorKind.BAD_RESPONSE, "Salesforce's resource list is not an object.")
        assert self.api is not None
        return f"{self.api.base_url} (API {self.version})", rid

    def pages(self, soql: str) -> Iterator[tuple[dict[str, Any], str]]:
        """Every page of a query's answer, following nextRecordsUrl."""
        body, rid = self.get(f"/services/data/{self.version}/query", {"q": soql})
        for page in range(1, MAX_PAGES + 1):
            if not isinstance(body, dict) or not isinstance(body.get("records"), list):
                raise SyncError(ErrorKind.BAD_RESPONSE, "Salesforce's query answer has no records.")
            yield body, rid
            next_url = body.get("nextRecordsUrl")
            if body.get("done", True) or not next_url:
                return
            if page == MAX_PAGES:
                break  # not one request more than the cap
            body, rid = self.get(str(next_url))
        raise SyncError(ErrorKind.BAD_QUERY, f"The query's answer runs past {MAX_PAGES} pages.")

    def scalar(self, soql: str) -> Answer:
        """COUNT()'s totalSize, or the first field of the first row (an aggregate, usually)."""
        if COUNT_ONLY.match(soql):
            for body, rid in self.pages(soql):
                size = number(
                    body.get("totalSize"), "Salesforce's totalSize", kind=ErrorKind.BAD_RESPONSE
                )
                return Answer(size, rid, f"{size} record{'s' * (size != 1)}")
        for body, rid in self.pages(soql):
            rows = body.get("totalSize")
            for record in body["records"]:
                name, value = first_field(record)
                if value is None:
                    raise SyncError(ErrorKind.NO_DATA, f"The query's {name} is empty (null).")
                if isinstance(value, dict):
                    raise SyncError(
                        ErrorKind.BAD_QUERY,
                        f"The query's first field, {name}, is a related record, not a number.",
                    )
                return Answer(
                    number(value, f"The query's {name}"), rid, scalar_detail(soql, name, rows)
                )
        raise SyncError(ErrorKind.NO_DATA, "The query returned no rows.")

    def report_total(self, report_id: str, aggregate: str = "") -> Answer:
        """A report's grand total ("T!T"): its first aggregate, or the one named."""
        body, rid = self.get(
            f"/services/data/{self.version}/analytics/reports/{report_id}",
            {"includeDetails": "false"},
        )
        try:
            totals = body["factMap"]["T!T"]["aggregates"]
            names = list(body.get("reportMetadata", {}).get("aggregates") or [])
        except (KeyError, TypeError, AttributeError):
            raise SyncError(
                ErrorKind.BAD_RESPONSE, "The report's answer has no grand total (T!T)."
            ) from None
        if not isinstance(totals, list) or not totals:
            raise SyncError(ErrorKind.NO_DATA, "The report has no summary fields to total.")
        index = 0
        if aggregate:
            if aggregate not in names:
                listed = ", ".join(names) or "none"
                raise SyncError(
                    ErrorKind.BAD_QUERY,
                    f"The report has no aggregate {aggregate!r}; it has: {listed}.",
                    request_id=rid,
                )
            index = names.index(aggregate)
        if index >= len(totals) or not isinstance(totals[index], dict):
            raise SyncError(ErrorKind.BAD_RESPONSE, "The report's grand total is incomplete.")
        total = totals[index]
        if total.get("value") is None:
            raise SyncError(ErrorKind.NO_DATA, "The report's grand total is empty.")
        name = names[index] if index < len(names) else "the first aggregate"
        value = number(total["value"], f"The report's {name}", kind=ErrorKind.BAD_RESPONSE)
        return Answer(value, rid, report_detail(body, name))


# An aggregate without an alias comes back as expr0, expr1 …: say what was selected instead.
UNNAMED = re.compile(r"^expr\d+$")
SELECT = re.compile(r"^\s*SELECT\s+(.+?)\s+FROM\s", re.IGNORECASE | re.DOTALL)


def first_selected(soql: str) -> str:
    """The query's first selected expression, as written: "SUM(Amount)" of "SELECT SUM(Amount),
    COUNT(Id) FROM …" (a comma inside brackets does not end it)."""
    found = SELECT.match(soql)
    if not found:
        return ""
    depth = 0
    for at, char in enumerate(found.group(1)):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            return found.group(1)[:at].strip()
    return found.group(1).strip()


def scalar_detail(soql: str, name: str, rows: object) -> str:
    """In plain words where a SOQL value comes from: "the query's SUM(Amount)", "the query's
    Amount in the first of 3 rows" — never "expr0 of the first row"."""
    what = first_selected(soql) if UNNAMED.match(name) else name
    detail = f"the query's {clip(what)}" if what else "the first value the query returned"
    if isinstance(rows, int) and rows > 1:
        detail += f" in the first of {rows} rows"
    return detail


def report_detail(body: dict[str, Any], name: str) -> str:
    """ "Grand total of Sum of Amount in the report Open pipeline", from the report's own labels."""
    try:
        label = body["reportExtendedMetadata"]["aggregateColumnInfo"][name]["label"]
    except (KeyError, TypeError):
        label = name
    report = body.get("attributes", {}).get("reportName") if isinstance(body, dict) else None
    return f"grand total of {label}" + (f" in the report {report}" if report else "")


def first_field(record: Any) -> tuple[str, Any]:
    if not isinstance(record, dict):
        raise SyncError(ErrorKind.BAD_RESPONSE, "Salesforce sent a record that is not an object.")
    for name, value in record.items():
        if name != "attributes":
            return name, value
    raise SyncError(ErrorKind.BAD_RESPONSE, "Salesforce sent a record without fields.")
