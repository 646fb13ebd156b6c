"""People and teams: the org chart, a person's page, a team's page. Every member sees them;
the goals shown are only those the viewer may see."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cascade.orgs import selectors
from cascade.orgs.models import Member
from cascade.web.membership import member_view


@member_view
def people(request: HttpRequest, member: Member) -> HttpResponse:
    """The org chart (from the top, or from ``?focus=<person>``), the team tree beside it, and
    a search by name, title or email (``?q=``)."""
    page = selectors.people_page(
        member,
        query=request.GET.get("q", "").strip(),
        focus_id=request.GET.get("focus"),
    )
    expand = request.GET.get("expand") == "all"
    return render(
        request,
        "web/people/people.html",
        {"page": page, "expand": expand, "open_depth": 10**6 if expand else 2},
    )


@member_view
def person(request: HttpRequest, member: Member, member_id: int) -> HttpResponse:
    page = selectors.person_page(
        member, member_id, request.GET.get("period"), member.organisation.today()
    )
    return render(request, "web/people/person.html", {"page": page})


@member_view
def team(request: HttpRequest, member: Member, team_id: int) -> HttpResponse:
    page = selectors.team_page(
        member, team_id, request.GET.get("period"), member.organisation.today()
    )
    return render(request, "web/people/team.html", {"page": page})
