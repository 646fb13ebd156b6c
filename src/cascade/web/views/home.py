from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from cascade.goals.my_week import my_week as build_my_week
from cascade.orgs.models import Member
from cascade.web.membership import member_view, signed_in_user_id
from cascade.web.visits import note_visit


@login_required
def choose_organisation(request: HttpRequest) -> HttpResponse:
    """After sign-in: straight to the only organisation, or a choice between several."""
    memberships = list(
        Member.objects.joined()
        .filter(user_id=signed_in_user_id(request))
        .select_related("organisation")
    )
    if len(memberships) == 1:
        return redirect("my-week", org=memberships[0].organisation.slug)
    return render(request, "web/choose_organisation.html", {"choices": memberships})


@member_view
def my_week(request: HttpRequest, member: Member) -> HttpResponse:
    since = note_visit(member)
    week = build_my_week(member, member.organisation.today(), since)
    return render(request, "web/my_week.html", {"week": week})
