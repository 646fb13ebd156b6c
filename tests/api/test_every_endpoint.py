"""Every endpoint of the API, four ways: it works, it refuses bad input (400), it refuses someone
who may not (403), and it does not reach into another organisation (404).

The table below has one row per operation of the OpenAPI schema, the data sources' included (a
test checks that none is missing). Where one of the four cannot happen, the row says why instead
of giving a call.
Reading is never "forbidden": what a member may not see does not exist for them (404).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, get_args

import pytest
from pydantic_core import ErrorType

from cascade.api.api import api as ninja_api
from cascade.api.services import issue_token
from cascade.goals import services as goals
from cascade.goals.models import Comment, Contribution
from cascade.orgs import invitations
from cascade.orgs import services as orgs
from cascade.orgs.models import Member, Team
from tests.api.conftest import Api, Org, api_for
from tests.api.data_source_rows import data_source_rows, stop_fake_services
from tests.api.error_codes import documented_codes
from tests.api.notification_rows import notification_rows
from tests.api.performance_rows import performance_rows
from tests.api.webhook_rows import webhook_rows

Value = Any | Callable[[Org], Any]


@dataclass
class Call:
    who: str  # "ceo", "vera", "rob", "olga", or "anyone" (no token)
    method: str
    path: Value
    body: Value = None
    status: int = 200
    code: str | None = None
    check: Callable[[Org, Any], bool] | None = None


def _resolve(value: Value, org: Org) -> Any:
    return value(org) if callable(value) else value


def link(org: Org) -> Contribution:
    return Contribution.objects.get(junior=org.sales, senior=org.company)


def other_link(org: Org) -> Contribution:
    return Contribution.objects.get(junior=org.other_junior)


_names = itertools.count(1)


def batch_of(key_result_id: int, value: object) -> dict[str, Any]:
    return {"check_ins": [{"key_result": key_result_id, "value": value}]}


def team(o: Org) -> Team:
    """A new team of Acme: Vera leads it, Olga is in it."""
    return orgs.create_team(actor=o.ceo, name=f"Team {next(_names)}", lead=o.vera, members=[o.olga])


def other_team(o: Org) -> Team:
    return orgs.create_team(actor=o.other.ceo, name=f"Theirs {next(_names)}")


def their_teams(o: Org) -> set[int]:
    return set(Team.objects.filter(organisation=o.other.organisation).values_list("pk", flat=True))


def both_teams(o: Org, path: str) -> str:
    """The path, once each organisation has a team."""
    team(o)
    other_team(o)
    return path


def invitee(o: Org) -> Member:
    """Someone invited who has not set a password yet."""
    invitation = invitations.invite_member(
        actor=o.ceo,
        email=f"invitee{next(_names)}@example.com",
        full_name="Ivy Invitee",
        site_url="http://testserver/",
    )
    return invitation.member


def next_quarter(o: Org) -> Any:
    return orgs.create_period(
        actor=o.ceo, name=f"Next {next(_names)}", start=date(2027, 1, 1), end=date(2027, 3, 31)
    )


def comment(o: Org) -> Comment:
    """Olga's comment on Vera's sales goal."""
    return goals.add_comment(actor=o.olga, goal=o.sales, body="Go team")


def their_comment(o: Org) -> Comment:
    return goals.add_comment(actor=o.other.ceo, goal=o.other_goal, body="Ours")


def ids(items: list[dict[str, Any]]) -> set[int]:
    return {item["id"] for item in items}


def none_of_theirs(theirs: Callable[[Org], set[int]]) -> Callable[[Org, Any], bool]:
    """A list answer with items, none of them from the other organisation."""

    def check(org: Org, body: Any) -> bool:
        return bool(body["items"]) and not ids(body["items"]) & theirs(org)

    return check


OWN_TOKEN = "the caller's own token list: there is nobody else's to reach"
NO_INPUT = "takes no input at all"
EVERYONE_READS = "every member may read this"
OWN_ORGANISATION = "always the caller's own organisation: there is no id to point elsewhere"

MATRIX: dict[str, dict[str, Call | str]] = {
    "POST /tokens": {
        "success": Call(
            "anyone",
            "POST",
            "/tokens",
            lambda o: {
                "email": o.olga.user.email,
                "password": "pw-for-tests-only",
                "organisation": o.world.organisation.slug,
            },
            201,
        ),
        "invalid": Call("anyone", "POST", "/tokens", {"password": "x"}, 400, "validation_error"),
        "forbidden": "a wrong password is 401 (tests/api/test_tokens.py)",
        "elsewhere": Call(
            "anyone",
            "POST",
            "/tokens",
            lambda o: {
                "email": o.olga.user.email,
                "password": "pw-for-tests-only",
                "organisation": o.other.organisation.slug,
            },
            401,
            "invalid_credentials",
        ),
    },
    "GET /tokens": {
        "success": Call("olga", "GET", "/tokens"),
        "invalid": Call("olga", "GET", "/tokens?limit=0", status=400, code="validation_error"),
        "forbidden": OWN_TOKEN,
        "elsewhere": OWN_TOKEN,
    },
    "DELETE /tokens/{token_id}": {
        "success": Call(
            "olga",
            "DELETE",
            lambda o: f"/tokens/{issue_token(member=o.olga).token.pk}",
            status=204,
        ),
        "invalid": Call("olga", "DELETE", "/tokens/abc", status=400, code="validation_error"),
        "forbidden": Call(
            "olga",
            "DELETE",
            lambda o: f"/tokens/{issue_token(member=o.vera).token.pk}",
            status=404,  # someone else's token does not exist for you
            code="not_found",
        ),
        "elsewhere": Call(
            "olga",
            "DELETE",
            lambda o: f"/tokens/{issue_token(member=o.other.ceo).token.pk}",
            status=404,
            code="not_found",
        ),
    },
    "GET /organisation": {
        "success": Call("olga", "GET", "/organisation"),
        "invalid": NO_INPUT,
        "forbidden": EVERYONE_READS,
        "elsewhere": OWN_ORGANISATION,
    },
    "PATCH /organisation": {
        "success": Call("ceo", "PATCH", "/organisation", {"at_risk_margin": "0.05"}),
        "invalid": Call(
            "ceo",
            "PATCH",
            "/organisation",
            {"at_risk_margin": 0.5, "off_track_margin": 0.2},
            400,
            "validation_error",
        ),
        "forbidden": Call(
            "olga", "PATCH", "/organisation", {"at_risk_margin": 0.2}, 403, "permission_denied"
        ),
        "elsewhere": OWN_ORGANISATION,
    },
    "GET /members": {
        "success": Call("olga", "GET", "/members"),
        "invalid": Call("olga", "GET", "/members?limit=1000", status=400, code="validation_error"),
        "forbidden": EVERYONE_READS,
        "elsewhere": Call(
            "olga", "GET", "/members", check=none_of_theirs(lambda o: {o.other.ceo.pk})
        ),
    },
    "POST /members": {
        "success": Call(
            "ceo",
            "POST",
            "/members",
            {"email": "nina@example.com", "full_name": "Nina New", "title": "Analyst"},
            201,
        ),
        "invalid": Call("ceo", "POST", "/members", {"email": "nina"}, 400, "validation_error"),
        "forbidden": Call(
            "olga",
            "POST",
            "/members",
            {"email": "nina@example.com", "full_name": "Nina New"},
            403,
            "permission_denied",
        ),
        "elsewhere": Call(
            "ceo",
            "POST",
            "/members",
            lambda o: {"email": "nina@example.com", "full_name": "N", "manager": o.other.ceo.pk},
            404,
            "not_found",
        ),
    },
    "GET /members/{member_id}": {
        "success": Call("olga", "GET", lambda o: f"/members/{o.vera.pk}"),
        "invalid": Call("olga", "GET", "/members/0", status=400, code="validation_error"),
        "forbidden": EVERYONE_READS,
        "elsewhere": Call("olga", "GET", lambda o: f"/members/{o.other.ceo.pk}", status=404),
    },
    "PATCH /members/{member_id}": {
        "success": Call("ceo", "PATCH", lambda o: f"/members/{o.olga.pk}", {"title": "Analyst"}),
        "invalid": Call("ceo", "PATCH", lambda o: f"/members/{o.olga.pk}", {"role": "king"}, 400),
        "forbidden": Call(
            "olga", "PATCH", lambda o: f"/members/{o.rob.pk}", {"title": "Boss"}, 403
        ),
        "elsewhere": Call(
            "ceo", "PATCH", lambda o: f"/members/{o.other.ceo.pk}", {"title": "X"}, 404
        ),
    },
    "POST /members/{member_id}/resend-invitation": {
        "success": Call(
            "ceo",
            "POST",
            lambda o: f"/members/{invitee(o).pk}/resend-invitation",
            check=lambda o, body: "link" not in body and body["member"]["joined"] is False,
        ),
        "invalid": Call(  # Olga has joined: there is nothing to accept
            "ceo", "POST", lambda o: f"/members/{o.olga.pk}/resend-invitation", status=400
        ),
        "forbidden": Call(
            "olga", "POST", lambda o: f"/members/{invitee(o).pk}/resend-invitation", status=403
        ),
        "elsewhere": Call(
            "ceo", "POST", lambda o: f"/members/{o.other.ceo.pk}/resend-invitation", status=404
        ),
    },
    "GET /teams": {
        "success": Call("olga", "GET", "/teams"),
        "invalid": Call("olga", "GET", "/teams?offset=-1", status=400),
        "forbidden": EVERYONE_READS,
        "elsewhere": Call(
            "olga",
            "GET",
            lambda o: both_teams(o, "/teams"),
            check=none_of_theirs(their_teams),
        ),
    },
    "POST /teams": {
        "success": Call(
            "ceo", "POST", "/teams", lambda o: {"name": "Sales", "lead": o.vera.pk}, 201
        ),
        "invalid": Call("ceo", "POST", "/teams", {"name": "   "}, 400, "validation_error"),
        "forbidden": Call("olga", "POST", "/teams", {"name": "Sales"}, 403),
        "elsewhere": Call(
            "ceo", "POST", "/teams", lambda o: {"name": "Sales", "lead": o.other.ceo.pk}, 404
        ),
    },
    "PATCH /teams/{team_id}": {
        "success": Call(
            "ceo",
            "PATCH",
            lambda o: f"/teams/{team(o).pk}",
            lambda o: {"name": "Field sales", "lead": o.rob.pk},
            check=lambda o, body: (body["name"], body["lead"]["id"]) == ("Field sales", o.rob.pk),
        ),
        "invalid": Call("ceo", "PATCH", lambda o: f"/teams/{team(o).pk}", {"name": "  "}, 400),
        "forbidden": Call(
            "olga", "PATCH", lambda o: f"/teams/{team(o).pk}", {"name": "Olga's"}, 403
        ),
        "elsewhere": Call(
            "ceo", "PATCH", lambda o: f"/teams/{other_team(o).pk}", {"name": "Ours"}, 404
        ),
    },
    "PUT /teams/{team_id}/members": {
        "success": Call(
            "ceo",
            "PUT",
            lambda o: f"/teams/{team(o).pk}/members",
            lambda o: {"members": [o.vera.pk, o.rob.pk]},
            check=lambda o, body: ids(body["members"]) == {o.vera.pk, o.rob.pk},
        ),
        "invalid": Call(  # Vera leads the team: she stays a member
            "ceo",
            "PUT",
            lambda o: f"/teams/{team(o).pk}/members",
            lambda o: {"members": [o.rob.pk]},
            400,
        ),
        "forbidden": Call(
            "olga",
            "PUT",
            lambda o: f"/teams/{team(o).pk}/members",
            lambda o: {"members": [o.vera.pk]},
            403,
        ),
        "elsewhere": Call(
            "ceo",
            "PUT",
            lambda o: f"/teams/{other_team(o).pk}/members",
            lambda o: {"members": [o.vera.pk]},
            404,
        ),
    },
    "GET /periods": {
        "success": Call("olga", "GET", "/periods"),
        "invalid": Call("olga", "GET", "/periods?limit=x", status=400),
        "forbidden": EVERYONE_READS,
        "elsewhere": Call(
            "olga", "GET", "/periods", check=none_of_theirs(lambda o: {o.other.period.pk})
        ),
    },
    "POST /periods": {
        "success": Call(
            "ceo",
            "POST",
            "/periods",
            {"name": "Q1 2027", "start": "2027-01-01", "end": "2027-03-31"},
            201,
        ),
        "invalid": Call(
            "ceo",
            "POST",
            "/periods",
            {"name": "Q1", "start": "2027-03-31", "end": "2027-01-01"},
            400,
        ),
        "forbidden": Call(
            "olga",
            "POST",
            "/periods",
            {"name": "Q1", "start": "2027-01-01", "end": "2027-03-31"},
            403,
        ),
        "elsewhere": Call(
            "ceo",
            "POST",
            "/periods",
            lambda o: {
                "name": "Oct",
                "start": "2026-10-01",
                "end": "2026-10-31",
                "parent": o.other.period.pk,
            },
            404,
        ),
    },
    "GET /goals": {
        "success": Call("olga", "GET", "/goals"),
        "invalid": Call("olga", "GET", "/goals?status=great", status=400),
        "forbidden": "a private goal the caller may not see is simply not listed (test_goals.py)",
        "elsewhere": Call(
            "olga",
            "GET",
            "/goals",
            check=none_of_theirs(lambda o: {o.other_goal.pk, o.other_junior.pk}),
        ),
    },
    "POST /goals": {
        "success": Call(
            "olga", "POST", "/goals", lambda o: {"title": "Learn", "period": o.world.period.pk}, 201
        ),
        "invalid": Call(
            "olga", "POST", "/goals", lambda o: {"title": " ", "period": o.world.period.pk}, 400
        ),
        "forbidden": Call(
            "olga",
            "POST",
            "/goals",
            lambda o: {"title": "For Rob", "period": o.world.period.pk, "owner": o.rob.pk},
            403,
        ),
        "elsewhere": Call(
            "olga", "POST", "/goals", lambda o: {"title": "X", "period": o.other.period.pk}, 404
        ),
    },
    "POST /goals/copy": {
        "success": Call(
            "vera",
            "POST",
            "/goals/copy",
            lambda o: {"goals": [o.sales.pk], "period": next_quarter(o).pk},
            201,
            check=lambda o, body: [g["title"] for g in body["copies"]] == ["Win deals"],
        ),
        "invalid": Call(  # into the period the goal is in already
            "vera",
            "POST",
            "/goals/copy",
            lambda o: {"goals": [o.sales.pk], "period": o.world.period.pk},
            400,
            "validation_error",
        ),
        "forbidden": Call(  # Vera's goal is not Olga's to carry over
            "olga",
            "POST",
            "/goals/copy",
            lambda o: {"goals": [o.sales.pk], "period": next_quarter(o).pk},
            403,
        ),
        "elsewhere": Call(
            "vera",
            "POST",
            "/goals/copy",
            lambda o: {"goals": [o.other_goal.pk], "period": next_quarter(o).pk},
            404,
        ),
    },
    "GET /goals/{goal_id}": {
        "success": Call("olga", "GET", lambda o: f"/goals/{o.company.pk}"),
        "invalid": Call("olga", "GET", "/goals/abc", status=400),
        "forbidden": Call("olga", "GET", lambda o: f"/goals/{o.private.pk}", status=404),
        "elsewhere": Call("olga", "GET", lambda o: f"/goals/{o.other_goal.pk}", status=404),
    },
    "PATCH /goals/{goal_id}": {
        "success": Call("vera", "PATCH", lambda o: f"/goals/{o.sales.pk}", {"title": "Win more"}),
        "invalid": Call(
            "vera", "PATCH", lambda o: f"/goals/{o.sales.pk}", {"visibility": "secret"}, 400
        ),
        "forbidden": Call(
            "olga", "PATCH", lambda o: f"/goals/{o.sales.pk}", {"title": "Mine"}, 403
        ),
        "elsewhere": Call(
            "ceo", "PATCH", lambda o: f"/goals/{o.other_goal.pk}", {"title": "Ours"}, 404
        ),
    },
    "DELETE /goals/{goal_id}": {
        "success": Call("vera", "DELETE", lambda o: f"/goals/{o.sales.pk}"),
        "invalid": Call("vera", "DELETE", "/goals/0", status=400),
        "forbidden": Call("olga", "DELETE", lambda o: f"/goals/{o.sales.pk}", status=403),
        "elsewhere": Call("ceo", "DELETE", lambda o: f"/goals/{o.other_goal.pk}", status=404),
    },
    "POST /goals/{goal_id}/activate": {
        "success": Call(
            "olga",
            "POST",
            lambda o: (
                f"/goals/{o.world.goal('Ready', owner=o.olga, krs=[{'kind': 'milestone'}], activate=False).pk}/activate"
            ),
        ),
        "invalid": Call(
            "olga",
            "POST",
            lambda o: f"/goals/{o.world.goal('Empty', owner=o.olga).pk}/activate",
            status=400,
        ),
        "forbidden": Call(
            "olga",
            "POST",
            lambda o: f"/goals/{o.world.goal('Vera draft', owner=o.vera).pk}/activate",
            status=403,
        ),
        "elsewhere": Call(
            "ceo",
            "POST",
            lambda o: f"/goals/{o.other.goal('Draft', owner=o.other.ceo).pk}/activate",
            status=404,
        ),
    },
    "POST /goals/{goal_id}/close": {
        "success": Call(
            "vera",
            "POST",
            lambda o: f"/goals/{o.sales.pk}/close",
            {"score": 0.7, "outcome": "partial", "retrospective": "Good quarter."},
        ),
        "invalid": Call(
            "vera",
            "POST",
            lambda o: f"/goals/{o.sales.pk}/close",
            {"score": 2, "outcome": "partial"},
            400,
        ),
        "forbidden": Call(
            "olga",
            "POST",
            lambda o: f"/goals/{o.sales.pk}/close",
            {"score": 1, "outcome": "achieved"},
            403,
        ),
        "elsewhere": Call(
            "ceo",
            "POST",
            lambda o: f"/goals/{o.other_goal.pk}/close",
            {"score": 1, "outcome": "achieved"},
            404,
        ),
    },
    "POST /goals/{goal_id}/reopen": {
        "success": Call("vera", "POST", lambda o: f"/goals/{closed(o, o.sales).pk}/reopen"),
        "invalid": Call("vera", "POST", lambda o: f"/goals/{o.sales.pk}/reopen", status=400),
        "forbidden": Call(
            "olga", "POST", lambda o: f"/goals/{closed(o, o.sales).pk}/reopen", status=403
        ),
        "elsewhere": Call("ceo", "POST", lambda o: f"/goals/{o.other_goal.pk}/reopen", status=404),
    },
    "POST /goals/{goal_id}/restore": {
        "success": Call("vera", "POST", lambda o: f"/goals/{archived(o, o.sales).pk}/restore"),
        "invalid": Call("vera", "POST", lambda o: f"/goals/{o.sales.pk}/restore", status=400),
        "forbidden": Call(
            "olga", "POST", lambda o: f"/goals/{archived(o, o.sales).pk}/restore", status=403
        ),
        "elsewhere": Call("ceo", "POST", lambda o: f"/goals/{o.other_goal.pk}/restore", status=404),
    },
    "POST /goals/{goal_id}/key-results": {
        "success": Call(
            "vera",
            "POST",
            lambda o: f"/goals/{o.sales.pk}/key-results",
            {"title": "Calls", "target": 50},
            201,
        ),
        "invalid": Call(
            "vera",
            "POST",
            lambda o: f"/goals/{o.sales.pk}/key-results",
            {"title": "Flat", "start": 5, "target": 5},
            400,
        ),
        "forbidden": Call(
            "olga",
            "POST",
            lambda o: f"/goals/{o.sales.pk}/key-results",
            {"title": "X", "target": 5},
            403,
        ),
        "elsewhere": Call(
            "ceo",
            "POST",
            lambda o: f"/goals/{o.other_goal.pk}/key-results",
            {"title": "X", "target": 5},
            404,
        ),
    },
    "GET /key-results/{key_result_id}": {
        "success": Call("olga", "GET", lambda o: f"/key-results/{o.kr(o.sales).pk}"),
        "invalid": Call("olga", "GET", "/key-results/abc", status=400),
        "forbidden": Call(
            "olga", "GET", lambda o: f"/key-results/{o.kr(o.private).pk}", status=404
        ),
        "elsewhere": Call(
            "ceo", "GET", lambda o: f"/key-results/{o.other.kr(o.other_goal).pk}", status=404
        ),
    },
    "PATCH /key-results/{key_result_id}": {
        "success": Call(
            "vera", "PATCH", lambda o: f"/key-results/{o.kr(o.sales).pk}", {"target": 20}
        ),
        "invalid": Call(
            "vera", "PATCH", lambda o: f"/key-results/{o.kr(o.sales).pk}", {"target": "lots"}, 400
        ),
        "forbidden": Call(
            "olga", "PATCH", lambda o: f"/key-results/{o.kr(o.sales).pk}", {"target": 20}, 403
        ),
        "elsewhere": Call(
            "ceo",
            "PATCH",
            lambda o: f"/key-results/{o.other.kr(o.other_goal).pk}",
            {"target": 20},
            404,
        ),
    },
    "DELETE /key-results/{key_result_id}": {
        "success": Call(
            "ceo", "DELETE", lambda o: f"/key-results/{o.kr(o.company).pk}", status=204
        ),
        "invalid": Call(
            "rob",  # the last key result of an active goal with nothing else under it
            "DELETE",
            lambda o: f"/key-results/{o.kr(o.private).pk}",
            status=400,
        ),
        "forbidden": Call(
            "olga", "DELETE", lambda o: f"/key-results/{o.kr(o.company).pk}", status=403
        ),
        "elsewhere": Call(
            "ceo", "DELETE", lambda o: f"/key-results/{o.other.kr(o.other_goal).pk}", status=404
        ),
    },
    "POST /key-results/{key_result_id}/check-ins": {
        "success": Call(
            "vera",
            "POST",
            lambda o: f"/key-results/{o.kr(o.sales).pk}/check-ins",
            {"value": 4},
            201,
        ),
        "invalid": Call(
            "vera",
            "POST",
            lambda o: f"/key-results/{o.kr(o.sales).pk}/check-ins",
            {"value": 4, "confidence": 11},
            400,
        ),
        "forbidden": Call(
            "olga",
            "POST",
            lambda o: f"/key-results/{o.kr(o.sales).pk}/check-ins",
            {"value": 4},
            403,
        ),
        "elsewhere": Call(
            "ceo",
            "POST",
            lambda o: f"/key-results/{o.other.kr(o.other_goal).pk}/check-ins",
            {"value": 4},
            404,
        ),
    },
    "POST /check-ins": {
        "success": Call("vera", "POST", "/check-ins", lambda o: batch_of(o.kr(o.sales).pk, 4), 201),
        "invalid": Call(
            "vera", "POST", "/check-ins", lambda o: batch_of(o.kr(o.sales).pk, "four"), 400
        ),
        "forbidden": Call(
            "olga", "POST", "/check-ins", lambda o: batch_of(o.kr(o.sales).pk, 4), 403
        ),
        "elsewhere": Call(
            "ceo", "POST", "/check-ins", lambda o: batch_of(o.other.kr(o.other_goal).pk, 4), 404
        ),
    },
    "GET /key-results/{key_result_id}/check-ins": {
        "success": Call("olga", "GET", lambda o: f"/key-results/{o.kr(o.sales).pk}/check-ins"),
        "invalid": Call(
            "olga",
            "GET",
            lambda o: f"/key-results/{o.kr(o.sales).pk}/check-ins?limit=0",
            status=400,
        ),
        "forbidden": Call(
            "olga", "GET", lambda o: f"/key-results/{o.kr(o.private).pk}/check-ins", status=404
        ),
        "elsewhere": Call(
            "ceo",
            "GET",
            lambda o: f"/key-results/{o.other.kr(o.other_goal).pk}/check-ins",
            status=404,
        ),
    },
    "POST /goals/{goal_id}/contributions": {
        "success": Call(
            "olga",
            "POST",
            lambda o: (
                f"/goals/{o.world.goal('Help', owner=o.olga, krs=[{'kind': 'milestone'}]).pk}/contributions"
            ),
            lambda o: {"senior_goal": o.company.pk, "weight": 0.5},
            201,
        ),
        "invalid": Call(
            "vera",
            "POST",
            lambda o: f"/goals/{o.sales.pk}/contributions",
            lambda o: {"senior_goal": o.sales.pk},
            400,
        ),
        "forbidden": Call(
            "olga",
            "POST",
            lambda o: f"/goals/{o.sales.pk}/contributions",
            lambda o: {"senior_goal": o.company.pk},
            403,
        ),
        "elsewhere": Call(
            "vera",
            "POST",
            lambda o: f"/goals/{o.sales.pk}/contributions",
            lambda o: {"senior_goal": o.other_goal.pk},
            404,
        ),
    },
    "PATCH /contributions/{contribution_id}": {
        "success": Call("vera", "PATCH", lambda o: f"/contributions/{link(o).pk}", {"weight": 3}),
        "invalid": Call(
            "vera", "PATCH", lambda o: f"/contributions/{link(o).pk}", {"weight": -1}, 400
        ),
        "forbidden": Call(
            "olga", "PATCH", lambda o: f"/contributions/{link(o).pk}", {"weight": 3}, 403
        ),
        "elsewhere": Call(
            "ceo", "PATCH", lambda o: f"/contributions/{other_link(o).pk}", {"weight": 3}, 404
        ),
    },
    "DELETE /contributions/{contribution_id}": {
        "success": Call("vera", "DELETE", lambda o: f"/contributions/{link(o).pk}", status=204),
        "invalid": Call("vera", "DELETE", "/contributions/-1", status=400),
        "forbidden": Call("olga", "DELETE", lambda o: f"/contributions/{link(o).pk}", status=403),
        "elsewhere": Call(
            "ceo", "DELETE", lambda o: f"/contributions/{other_link(o).pk}", status=404
        ),
    },
    "GET /goals/{goal_id}/comments": {
        "success": Call(
            "olga",
            "GET",
            lambda o: (comment(o), f"/goals/{o.sales.pk}/comments")[1],
            check=lambda o, body: [c["body"] for c in body["items"]] == ["Go team"],
        ),
        "invalid": Call(
            "olga", "GET", lambda o: f"/goals/{o.sales.pk}/comments?limit=0", status=400
        ),
        "forbidden": Call("olga", "GET", lambda o: f"/goals/{o.private.pk}/comments", status=404),
        "elsewhere": Call("ceo", "GET", lambda o: f"/goals/{o.other_goal.pk}/comments", status=404),
    },
    "POST /goals/{goal_id}/comments": {
        "success": Call(
            "olga",
            "POST",
            lambda o: f"/goals/{o.sales.pk}/comments",
            lambda o: {"body": f"Thanks @[Vera](member:{o.vera.pk})"},
            201,
            check=lambda o, body: body["mentions"] == [{"id": o.vera.pk, "name": "Vera VP"}],
        ),
        "invalid": Call(
            "olga", "POST", lambda o: f"/goals/{o.sales.pk}/comments", {"body": " "}, 400
        ),
        # Whoever sees a goal may comment on it; a goal one may not see does not exist.
        "forbidden": Call(
            "olga", "POST", lambda o: f"/goals/{o.private.pk}/comments", {"body": "Hi"}, 404
        ),
        "elsewhere": Call(
            "ceo", "POST", lambda o: f"/goals/{o.other_goal.pk}/comments", {"body": "Hi"}, 404
        ),
    },
    "PATCH /comments/{comment_id}": {
        "success": Call(
            "olga",
            "PATCH",
            lambda o: f"/comments/{comment(o).pk}",
            {"body": "Go, team!"},
            check=lambda o, body: body["body"] == "Go, team!" and body["edited_at"],
        ),
        "invalid": Call("olga", "PATCH", lambda o: f"/comments/{comment(o).pk}", {"body": ""}, 400),
        "forbidden": Call(
            "vera", "PATCH", lambda o: f"/comments/{comment(o).pk}", {"body": "Mine"}, 403
        ),
        "elsewhere": Call(
            "ceo", "PATCH", lambda o: f"/comments/{their_comment(o).pk}", {"body": "x"}, 404
        ),
    },
    "DELETE /comments/{comment_id}": {
        "success": Call("olga", "DELETE", lambda o: f"/comments/{comment(o).pk}", status=204),
        "invalid": Call("olga", "DELETE", "/comments/-1", status=400),
        "forbidden": Call("vera", "DELETE", lambda o: f"/comments/{comment(o).pk}", status=403),
        "elsewhere": Call(
            "ceo", "DELETE", lambda o: f"/comments/{their_comment(o).pk}", status=404
        ),
    },
    "GET /goals/{goal_id}/explain": {
        "success": Call("olga", "GET", lambda o: f"/goals/{o.company.pk}/explain?as_of=2026-11-01"),
        "invalid": Call(
            "olga", "GET", lambda o: f"/goals/{o.company.pk}/explain?as_of=2026-13-01", status=400
        ),
        "forbidden": Call("olga", "GET", lambda o: f"/goals/{o.private.pk}/explain", status=404),
        "elsewhere": Call("ceo", "GET", lambda o: f"/goals/{o.other_goal.pk}/explain", status=404),
    },
    "GET /goals/{goal_id}/history": {
        "success": Call("olga", "GET", lambda o: f"/goals/{o.company.pk}/history"),
        "invalid": Call(
            "olga", "GET", lambda o: f"/goals/{o.company.pk}/history?limit=201", status=400
        ),
        "forbidden": Call("olga", "GET", lambda o: f"/goals/{o.private.pk}/history", status=404),
        "elsewhere": Call("ceo", "GET", lambda o: f"/goals/{o.other_goal.pk}/history", status=404),
    },
    "GET /goals/{goal_id}/audit": {
        "success": Call("olga", "GET", lambda o: f"/goals/{o.company.pk}/audit"),
        "invalid": Call(
            "olga", "GET", lambda o: f"/goals/{o.company.pk}/audit?offset=x", status=400
        ),
        "forbidden": Call("olga", "GET", lambda o: f"/goals/{o.private.pk}/audit", status=404),
        "elsewhere": Call("ceo", "GET", lambda o: f"/goals/{o.other_goal.pk}/audit", status=404),
    },
    "GET /tree": {
        "success": Call("olga", "GET", lambda o: f"/tree?period={o.world.period.pk}"),
        "invalid": Call("olga", "GET", "/tree?period=abc", status=400),
        "forbidden": "every member may read the tree; private goals are left out (test_tree.py)",
        "elsewhere": Call("olga", "GET", lambda o: f"/tree?period={o.other.period.pk}", status=404),
    },
    "GET /audit-events": {
        "success": Call("ceo", "GET", "/audit-events"),
        "invalid": Call("ceo", "GET", "/audit-events?goal=0", status=400),
        "forbidden": Call("olga", "GET", "/audit-events", status=403, code="permission_denied"),
        "elsewhere": Call(
            "ceo",
            "GET",
            lambda o: f"/audit-events?goal={o.other_goal.pk}",
            check=lambda o, body: body["count"] == 0,
        ),
    },
}

# Goal sheets, review cycles, reviews and assessments: tests/api/performance_rows.py.
MATRIX |= performance_rows(Call)
# The inbox and the channel per topic: tests/api/notification_rows.py.
MATRIX |= notification_rows(Call)
# Connections and key results' sources (cascade.integrations.api): tests/api/data_source_rows.py.
MATRIX |= data_source_rows(Call)
# Webhooks, their deliveries and replays (cascade.webhooks.api): tests/api/webhook_rows.py.
MATRIX |= webhook_rows(Call)


def closed(org: Org, goal: Any) -> Any:
    return goals.close_goal(actor=org.ceo, goal=goal, score=1, outcome="achieved")


def archived(org: Org, goal: Any) -> Any:
    return goals.archive_goal(actor=org.ceo, goal=goal)


KINDS = ["success", "invalid", "forbidden", "elsewhere"]
EXPECTED_CODES = {
    400: "validation_error",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
}


# What pydantic calls the ways a request can be wrong, for what django-ninja refuses itself.
PYDANTIC_TYPES = set(get_args(ErrorType))


def assert_names_its_rule(error: dict[str, Any]) -> None:
    """A refusal says which rule refused: a code of docs/api.md (the services' and the API
    types'), or pydantic's type where django-ninja refused the request; never the default."""
    if error["code"] not in ("validation_error", "conflict"):
        return  # the code names it already (organisation_required)
    codes = ([error["reason"]] if error["reason"] is not None else []) + list(
        error["field_codes"].values()
    )
    assert codes, error
    assert "invalid" not in codes, error
    assert set(codes) <= set(documented_codes()) | PYDANTIC_TYPES, error


@pytest.fixture(autouse=True)
def _stop_fake_services() -> Iterator[None]:
    """The fake Jira a data-source row may have started stops after its test."""
    yield
    stop_fake_services()


def test_the_table_covers_every_operation_of_the_schema():
    """Every operation of the API, whichever app's router it comes from."""
    schema = ninja_api.get_openapi_schema()
    operations = {
        f"{method.upper()} {path.removeprefix('/api/v1')}"
        for path, item in schema["paths"].items()
        for method in item
    }
    assert set(MATRIX) == operations
    assert all(set(row) == set(KINDS) for row in MATRIX.values())


@pytest.mark.parametrize(
    ("operation", "kind"),
    [
        (operation, kind)
        for operation, row in MATRIX.items()
        for kind in KINDS
        if isinstance(row[kind], Call)  # the others say why they cannot happen
    ],
    ids=lambda value: value,
)
def test_endpoint(org, operation, kind):
    case = MATRIX[operation][kind]
    assert isinstance(case, Call)
    client = Api() if case.who == "anyone" else api_for(getattr(org, case.who))
    path = _resolve(case.path, org)
    body = _resolve(case.body, org)
    answer = client.send(case.method, path, body) if case.method != "GET" else client.get(path)
    assert answer.status == case.status, answer.body
    if answer.status >= 400:
        assert set(answer.body) == {"error"}
        assert set(answer.error) == {"code", "message", "reason", "fields", "field_codes"}
        assert answer.error["code"] == (case.code or EXPECTED_CODES[answer.status])
        assert set(answer.error["field_codes"]) == set(answer.error["fields"])
        assert answer.error["message"]
    if (kind == "invalid" and answer.status == 400) or answer.status == 409:
        assert_names_its_rule(answer.error)
    if case.check is not None:
        assert case.check(org, answer.body), answer.body
