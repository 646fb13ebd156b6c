"""Turning the domain's objects into the API's JSON (see ``schemas.py`` for the shapes).

Nothing here queries the database: everything shown has been loaded by the selectors and
``reads`` in batch, so a page of fifty goals costs what a page of one does.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from cascade.api.models import ApiToken
from cascade.audit.models import AuditEvent
from cascade.goals.explanations import GoalExplanation
from cascade.goals.models import CheckIn, Contribution, Goal
from cascade.goals.selectors import (
    CommentRow,
    GoalDetail,
    KeyResultRow,
    LinkRow,
    Standing,
    TreeNode,
)
from cascade.goals.timeline import ProgressPoint
from cascade.integrations.source_state import source_state
from cascade.notifications.models import Notification
from cascade.orgs.models import Member, Organisation, Period, Team

PRIVATE_GOAL = "A private goal"


def number(value: Decimal | float | None) -> float | None:
    return None if value is None else float(value)


def member_ref(member: Member | None) -> dict[str, Any] | None:
    return None if member is None else {"id": member.pk, "name": member.name}


def team_ref(team: Team | None) -> dict[str, Any] | None:
    return None if team is None else {"id": team.pk, "name": team.name}


def period_ref(period: Period) -> dict[str, Any]:
    return {"id": period.pk, "name": period.name, "start": period.start, "end": period.end}


def organisation(org: Organisation) -> dict[str, Any]:
    return {
        "id": org.pk,
        "name": org.name,
        "slug": org.slug,
        "timezone": org.timezone,
        "at_risk_margin": float(org.at_risk_margin),
        "off_track_margin": float(org.off_track_margin),
        "include_goals_in_reviews": org.include_goals_in_reviews,
        "checkin_weekday": org.checkin_weekday,
        "checkin_time": org.checkin_time.strftime("%H:%M"),
        "nudge_after_days": org.nudge_after_days,
    }


def member(m: Member) -> dict[str, Any]:
    return {
        "id": m.pk,
        "name": m.name,
        "email": m.user.email,
        "role": m.role,
        "title": m.title,
        "manager": member_ref(m.manager),
        "is_active": m.is_active,
        "joined": m.has_joined,
        "joined_at": m.joined_at,
    }


def team(t: Team, members: list[Member]) -> dict[str, Any]:
    return {
        "id": t.pk,
        "name": t.name,
        "parent": t.parent_id,
        "lead": member_ref(t.lead),
        "members": [member_ref(m) for m in members],
    }


def period(p: Period) -> dict[str, Any]:
    return {
        "id": p.pk,
        "name": p.name,
        "kind": p.kind,
        "start": p.start,
        "end": p.end,
        "parent": p.parent_id,
    }


def key_result(row: KeyResultRow, *, full_errors: bool) -> dict[str, Any]:
    """``full_errors``: the reader may read data-source errors whole (super users)."""
    kr = row.key_result
    return {
        "id": kr.pk,
        "goal": kr.goal_id,
        "title": kr.title,
        "kind": kr.kind,
        "unit": kr.unit,
        "start": float(kr.start),
        "target": float(kr.target),
        "current": number(kr.current),
        "direction": kr.direction or None,
        "weight": float(kr.weight),
        "progress": row.progress,
        "attainment": row.attainment,
        "confidence": kr.confidence,
        "last_checkin_at": kr.last_checkin_at,
        "rollup_into": kr.rollup_into_id,
        "source": source_state(kr, full_errors=full_errors),
    }


def link(row: LinkRow) -> dict[str, Any]:
    """The goal at the other end of a contribution; a hidden private goal shows only numbers."""
    if not row.visible:
        return {
            "id": None,
            "title": PRIVATE_GOAL,
            "state": None,
            "progress": row.goal.progress,
            "weight": row.weight,
            "contribution": None,
        }
    return {
        "id": row.goal.pk,
        "title": row.goal.title,
        "state": row.goal.state,
        "progress": row.goal.progress,
        "weight": row.weight,
        "contribution": row.contribution.pk,
    }


def goal_summary(goal: Goal, standing: Standing) -> dict[str, Any]:
    return {
        "id": goal.pk,
        "title": goal.title,
        "owner": member_ref(goal.owner),
        "team": team_ref(goal.team),
        "period": period_ref(goal.period),
        "state": goal.state,
        "visibility": goal.visibility,
        "progress": goal.progress,
        "status": standing.status.value if standing.status else None,
        "expected_progress": standing.expected,
        "confidence": goal.confidence,
        "last_checkin_at": goal.last_checkin_at,
    }


def goal(detail: GoalDetail, forecast: float | None, *, full_errors: bool) -> dict[str, Any]:
    g = detail.goal
    return {
        **goal_summary(g, detail.standing),
        "description": g.description,
        "start_date": g.start_date,
        "end_date": g.end_date,
        "forecast": forecast,
        "score": number(g.score),
        "outcome": g.outcome or None,
        "retrospective": g.retrospective,
        "closed_at": g.closed_at,
        "created_at": g.created_at,
        "updated_at": g.updated_at,
        "parents": [link(row) for row in detail.parents],
        "key_results": [key_result(row, full_errors=full_errors) for row in detail.key_results],
        "contributors": [link(row) for row in detail.contributors],
    }


def tree_node(node: TreeNode) -> dict[str, Any]:
    return {
        **goal_summary(node.goal, node.standing),
        "weight": node.weight,
        "children": [tree_node(child) for child in node.children],
    }


def contribution(c: Contribution) -> dict[str, Any]:
    return {
        "id": c.pk,
        "junior_goal": c.junior_id,
        "senior_goal": c.senior_id,
        "weight": float(c.weight),
        "created_at": c.created_at,
    }


def check_in(c: CheckIn) -> dict[str, Any]:
    return {
        "id": c.pk,
        "key_result": c.key_result_id,
        "value": float(c.value),
        "confidence": c.confidence,
        "note": c.note,
        "author": member_ref(c.author),
        "source": c.source,
        "created_at": c.created_at,
    }


def comment(row: CommentRow) -> dict[str, Any]:
    c = row.comment
    return {
        "id": c.pk,
        "goal": c.goal_id,
        "author": member_ref(c.author),
        "body": c.body,
        "html": str(row.html),
        "mentions": [member_ref(m) for m in row.mentions],
        "created_at": c.created_at,
        "edited_at": c.edited_at,
    }


def explanation(e: GoalExplanation, as_of: Any) -> dict[str, Any]:
    return {
        "goal": e.goal.pk,
        "as_of": as_of,
        "progress": e.progress,
        "recorded_at": e.recorded_at,
        "cause": e.cause,
        "contributors": [
            {
                "kind": row.kind,
                "id": row.id if row.visible else None,
                "title": row.title,
                "progress": row.progress,
                "weight": row.weight,
                "normalised_weight": row.normalised_weight,
                "share": row.share,
                "left_out": row.left_out,
            }
            for row in e.rows
        ],
    }


def progress_point(point: ProgressPoint) -> dict[str, Any]:
    return {"at": point.at, "progress": point.progress, "cause": point.cause}


def audit_event(event: AuditEvent) -> dict[str, Any]:
    return {
        "id": event.pk,
        "kind": event.kind,
        "at": event.created_at,
        "actor": member_ref(event.actor),
        "object_type": event.object_type,
        "object_id": event.object_id,
        "goal": event.goal_id,
        "data": event.data,
    }


def token(t: ApiToken) -> dict[str, Any]:
    return {
        "id": t.pk,
        "name": t.name,
        "prefix": t.prefix,
        "member": member_ref(t.member),
        "organisation": t.member.organisation.slug,
        "created_at": t.created_at,
        "last_used_at": t.last_used_at,
        "revoked_at": t.revoked_at,
        "expires_at": t.expires_at,
    }


def notification(n: Notification) -> dict[str, Any]:
    return {
        "id": n.pk,
        "topic": n.topic,
        "title": n.title,
        "body": n.body,
        "link": n.link,
        "goal": n.goal_id,
        "created_at": n.created_at,
        "read_at": n.read_at,
    }
