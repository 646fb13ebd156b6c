"""The alignment tree of a period: from the top goals down, or around one goal, up and down.

A period of a large organisation holds thousands of goals, more than a page should carry: the
tree is sent a few levels deep, and the juniors of a goal deeper down are fetched when it is
opened (``tree_node``, with htmx; without JavaScript its link opens the tree from that goal).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from cascade.core.numbers import parse_id
from cascade.goals import selectors
from cascade.goals.selectors import TreeNode
from cascade.integrations.selectors import synced_goals
from cascade.orgs.models import Member, Period
from cascade.web.membership import member_view

# Levels sent below the top goals (or below the focused goal); deeper ones when opened.
LEVELS = 2


@member_view
def alignment_tree(request: HttpRequest, member: Member) -> HttpResponse:
    today = member.organisation.today()
    periods = list(
        Period.objects.filter(organisation_id=member.organisation_id).order_by("-start", "end")
    )
    chosen = request.GET.get("period")
    period = next((p for p in periods if str(p.pk) == chosen), None) or selectors.current_period(
        member.organisation_id, today
    )
    focus = None
    if parse_id(request.GET.get("goal")):
        focus = selectors.get_goal(member, request.GET["goal"])
        if not period or not (
            focus.period.start <= period.end and focus.period.end >= period.start
        ):
            period = focus.period
    tree = (
        selectors.goal_tree(member, period, today, focus=focus.pk if focus else None, levels=LEVELS)
        if period
        else []
    )
    return render(
        request,
        "web/tree.html",
        {
            "periods": periods,
            "period": period,
            "tree": tree,
            "focus": focus,
            "synced": synced_goals(member.organisation_id, _goal_ids(tree)),
            # Around a goal everything sent is open; from the top, the top goals are.
            "open_depth": 99 if focus else 1,
        },
    )


@member_view
def tree_node(request: HttpRequest, member: Member, goal_id: int) -> HttpResponse:
    """The juniors of one goal of the tree, a few levels deep, for htmx to put under it."""
    goal = selectors.get_goal(member, goal_id)
    period = Period.objects.filter(
        organisation_id=member.organisation_id, pk=parse_id(request.GET.get("period")) or 0
    ).first()
    period = period or goal.period
    tree = selectors.goal_tree(
        member, period, member.organisation.today(), focus=goal.pk, levels=LEVELS
    )
    node = _find(tree, goal.pk)
    if node is None:
        raise Http404("No such goal in this tree.")
    return render(
        request,
        "web/parts/tree_juniors.html",
        {
            "nodes": node.children,
            "period": period,
            "open_depth": 0,
            "synced": synced_goals(member.organisation_id, _goal_ids(node.children)),
        },
    )


def _find(nodes: Iterable[TreeNode], goal_id: int) -> TreeNode | None:
    """The node of a goal in the forest (shown in full, not as a repeat), depth first."""
    stack = list(nodes)
    while stack:
        node = stack.pop()
        if node.goal.pk == goal_id and not node.repeated:
            return node
        stack.extend(node.children)
    return None


def _goal_ids(nodes: Iterable[TreeNode]) -> list[int]:
    """Every goal shown in these nodes and below them."""
    ids: list[int] = []
    for node in nodes:
        ids.append(node.goal.pk)
        ids.extend(_goal_ids(node.children))
    return ids
