"""Thin views: they find the member, call one selector or service, and render."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from cascade.core import clock
from cascade.goals import selectors
from cascade.orgs.models import Member, Period
from cascade.web.membership import member_view, signed_in_user_id


@login_required
def home(request: HttpRequest) -> HttpResponse:
    memberships = list(
        Member.objects.filter(user_id=signed_in_user_id(request), is_active=True).select_related(
            "organisation"
        )
    )
    if len(memberships) == 1:
        return redirect("goal-tree", org=memberships[0].organisation.slug)
    return render(request, "web/home.html", {"memberships": memberships})


@member_view
def goal_tree(request: HttpRequest, member: Member) -> HttpResponse:
    today = clock.today()
    periods = list(
        Period.objects.filter(organisation_id=member.organisation_id).order_by("-start", "end")
    )
    chosen = request.GET.get("period")
    period = next((p for p in periods if str(p.pk) == chosen), None) or selectors.current_period(
        member.organisation_id, today
    )
    tree = selectors.goal_tree(member, period, today) if period else []
    return render(
        request,
        "web/goal_tree.html",
        {
            "member": member,
            "organisation": member.organisation,
            "periods": periods,
            "period": period,
            "tree": tree,
        },
    )
