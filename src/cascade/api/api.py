"""The REST API v1: one NinjaAPI with token and session authentication, one error shape, and a
router per resource. Mounted at ``/api/v1/``; the schema is ``/api/v1/openapi.json`` and the docs
page ``/api/v1/docs``."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.parser import Parser

from cascade.api import (
    audit_events,
    comments,
    contributions,
    errors,
    goal_history,
    goal_sheets,
    goals,
    key_results,
    members,
    notifications,
    organisation,
    periods,
    review_cycles,
    reviews,
    teams,
    tokens,
    tree,
)
from cascade.api.auth import session_auth, token_auth
from cascade.api.docs import OfflineSwagger
from cascade.integrations import api as data_sources
from cascade.webhooks import api as webhooks

DESCRIPTION = """
Everything a person can do in Cascade, for programs: script check-ins, sync goals from other
systems, build dashboards. The same rules and the same audit trail as the web app.

**Authentication.** Get a token with `POST /tokens` (your email, password and organisation)
and send it as `Authorization: Bearer <token>`. A token acts for you in one organisation. The
web app's session cookie works too: with the `X-CSRFToken` header on unsafe methods, and the
organisation named by `X-Cascade-Organisation: <slug>` if you belong to several.

**Errors** are always `{"error": {"code", "message", "fields"}}`: 400 bad input (never 422),
401 no valid token, 403 not allowed, 404 not found — also anything in another organisation and
private goals you may not see — 409 conflict, 429 too many requests.

**Lists** are pages: `?limit=` (1–200, default 50) and `?offset=`, answered with
`{"items", "count", "limit", "offset"}`.

**Numbers**: progress is a fraction from 0 to 1 (or null while nothing counts); measured values
are JSON numbers, and may be sent as numeric strings for exact decimals. Ids are integers.
"""


class ExactJSONParser(Parser):
    """JSON bodies: objects only, decimals read exactly (``0.1`` stays 0.1), no NaN or Infinity."""

    def parse_body(self, request: HttpRequest) -> Any:
        data = json.loads(request.body, parse_float=Decimal, parse_constant=_not_a_number)
        if not isinstance(data, dict):
            # Every body is a JSON object. (A bare number would otherwise pass for an empty
            # object: the schemas read attributes, and a Decimal has none of theirs.)
            raise ValueError("The body must be a JSON object.")
        return data


def _not_a_number(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows.")


api = NinjaAPI(
    title="Cascade API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    auth=[token_auth, session_auth],
    docs=OfflineSwagger(),
    docs_url="/docs",
    openapi_url="/openapi.json",
    parser=ExactJSONParser(),
)
errors.install(api)

for module in (
    tokens,
    organisation,
    members,
    teams,
    periods,
    goals,
    key_results,
    contributions,
    comments,
    goal_history,
    tree,
    audit_events,
    goal_sheets,
    review_cycles,
    reviews,
    notifications,
    data_sources,
    webhooks,
):
    api.add_router("", module.router)
