"""The alignment tree of a period: from the top goals down, or around one goal, up and down."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cascade.core import clock
from cascade.goals import selectors
from cascade.orgs.models import Member, Period
from cascade.web.membership import member_view


@member_view
def alignment_tree(request: HttpRequest, member: Member) -> HttpResponse:
    today = clock.today()
    periods = list(
        Period.objects.filter(organisation_id=member.organisation_id).order_by("-start", "end")
    )
    chosen = request.GET.get("period")
    period = next((p for p in periods if str(p.pk) == chosen), None) or selectors.current_period(
        member.organisation_id, today
    )
    focus = None
    if request.GET.get("goal", "").isdigit():
        focus = selectors.get_goal(member, request.GET["goal"])
        if not period or not (
            focus.period.start <= period.end and focus.period.end >= period.start
        ):
            period = focus.period
    tree = (
        selectors.goal_tree(member, period, today, focus=focus.pk if focus else None)
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
            "open_depth": 99 if focus else 1,
        },
    )
