"""The organisation's settings, for super users only: people (invite, change, deactivate),
teams, periods, the status margins and the weekly check-in.

Every view is a ``super_user_view``: a member who is not a super user gets 403 from every URL
here, GET or POST, before anything is read. Each POST calls one service; a refused input is
shown next to its field (status 400) and nothing is saved.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from cascade.orgs import invitations, selectors, services
from cascade.orgs.models import Member, Team
from cascade.web.forms import show_errors
from cascade.web.forms.people import (
    CadenceForm,
    InviteForm,
    MarginsForm,
    MemberForm,
    NewTeamForm,
    PeriodForm,
    TeamDetailsForm,
    TeamMembersForm,
)
from cascade.web.membership import super_user_view

PAGE_SIZE = 50


def _url(member: Member, name: str, **kwargs: Any) -> str:
    return reverse(name, kwargs={"org": member.organisation.slug, **kwargs})


def _form_response(
    request: HttpRequest, template: str, context: dict[str, Any], form: Any
) -> HttpResponse:
    return render(request, template, context, status=400 if form.errors else 200)


def _site_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


# --------------------------------------------------------------------------- overview


@super_user_view
def overview(request: HttpRequest, member: Member) -> HttpResponse:
    organisation = member.organisation
    form = MarginsForm(
        initial=MarginsForm.initial_for(organisation.at_risk_margin, organisation.off_track_margin)
    )
    return _settings_home(request, member, form)


def _settings_home(
    request: HttpRequest,
    member: Member,
    form: MarginsForm | None = None,
    cadence: CadenceForm | None = None,
) -> HttpResponse:
    """The overview's forms: whichever was posted, bound, and the others as stored."""
    organisation = member.organisation
    if form is None:
        form = MarginsForm(
            initial=MarginsForm.initial_for(
                organisation.at_risk_margin, organisation.off_track_margin
            )
        )
    if cadence is None:
        cadence = CadenceForm(initial=CadenceForm.initial_for(organisation))
    summary = selectors.organisation_summary(member)
    context = {"summary": summary, "form": form, "cadence": cadence}
    status = 400 if form.errors or cadence.errors else 200
    return render(request, "web/settings/overview.html", context, status=status)


@super_user_view
@require_POST
def margins(request: HttpRequest, member: Member) -> HttpResponse:
    form = MarginsForm(request.POST)
    if form.is_valid():
        try:
            services.change_status_margins(actor=member, **form.as_fractions())
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, "Status margins saved: every goal's status uses them now.")
            return redirect(_url(member, "org-settings"))
    return _settings_home(request, member, form)


@super_user_view
@require_POST
def checkin_cadence(request: HttpRequest, member: Member) -> HttpResponse:
    form = CadenceForm(request.POST)
    if form.is_valid():
        try:
            services.change_checkin_cadence(actor=member, **form.cleaned_data)
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, "Check-in settings saved.")
            return redirect(_url(member, "org-settings"))
    return _settings_home(request, member, cadence=form)


# --------------------------------------------------------------------------- people


@super_user_view
def people(request: HttpRequest, member: Member) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    everyone = selectors.members_for_settings(member, query, status)
    page = Paginator(everyone, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/settings/people.html",
        {"page": page, "query": query, "status": status},
    )


@super_user_view
def invite(request: HttpRequest, member: Member) -> HttpResponse:
    form = InviteForm(request.POST or None, member=member)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = invitations.invite_member(
                actor=member, site_url=_site_url(request), **form.cleaned_data
            )
        except ValidationError as error:
            show_errors(form, error)
        else:
            return render(request, "web/settings/invited.html", {"invitation": invitation})
    return _form_response(request, "web/settings/invite.html", {"form": form}, form)


@super_user_view
def person(request: HttpRequest, member: Member, member_id: int) -> HttpResponse:
    person = selectors.get_member(member, member_id)
    initial = {"role": person.role, "title": person.title, "manager": person.manager}
    form = MemberForm(request.POST or None, member=member, person=person, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_member(actor=member, member=person, **form.cleaned_data)
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, f"Saved {person.name}.")
            return redirect(_url(member, "settings-people"))
    context = {"person": person, "form": form}
    return _form_response(request, "web/settings/person.html", context, form)


@super_user_view
def deactivate(request: HttpRequest, member: Member, member_id: int) -> HttpResponse:
    """GET: what deactivating will do. POST: do it."""
    preview = selectors.deactivation_preview(member, member_id)
    error = None
    if request.method == "POST":
        try:
            services.deactivate_member(actor=member, member=preview.member)
        except ValidationError as refused:
            error = " ".join(refused.messages)
        else:
            messages.success(request, f"{preview.member.name} is deactivated.")
            return redirect(_url(member, "settings-people"))
    return render(
        request,
        "web/settings/deactivate.html",
        {"preview": preview, "error": error},
        status=400 if error else 200,
    )


@super_user_view
@require_POST
def reactivate(request: HttpRequest, member: Member, member_id: int) -> HttpResponse:
    person = selectors.get_member(member, member_id)
    try:
        services.reactivate_member(actor=member, member=person)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{person.name} is back in {member.organisation.name}.")
    return redirect(_url(member, "settings-person", member_id=person.pk))


@super_user_view
@require_POST
def resend(request: HttpRequest, member: Member, member_id: int) -> HttpResponse:
    person = selectors.get_member(member, member_id)
    try:
        invitation = invitations.resend_invitation(
            actor=member, member=person, site_url=_site_url(request)
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(_url(member, "settings-person", member_id=person.pk))
    return render(request, "web/settings/invited.html", {"invitation": invitation})


# --------------------------------------------------------------------------- teams


@super_user_view
def teams(request: HttpRequest, member: Member) -> HttpResponse:
    """The team tree, and a form for a new team."""
    form = NewTeamForm(request.POST or None, member=member)
    if request.method == "POST" and form.is_valid():
        try:
            team = services.create_team(actor=member, **form.cleaned_data)
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, f"Created the team {team.name}.")
            return redirect(_url(member, "settings-teams"))
    context = {"rows": selectors.team_tree(member), "form": form}
    return _form_response(request, "web/settings/teams.html", context, form)


def _team_page(
    request: HttpRequest,
    member: Member,
    team: Team,
    details: TeamDetailsForm | None = None,
    members: TeamMembersForm | None = None,
) -> HttpResponse:
    """The team's two forms: whichever was posted, bound, and the other as stored."""
    if details is None:
        details = TeamDetailsForm(
            member=member,
            team=team,
            initial={"name": team.name, "parent": team.parent, "lead": team.lead},
        )
    if members is None:
        initial = {"members": selectors.team_member_ids(team)}
        members = TeamMembersForm(member=member, team=team, initial=initial)
    context = {"team": team, "details": details, "members_form": members}
    status = 400 if details.errors or members.errors else 200
    return render(request, "web/settings/team.html", context, status=status)


@super_user_view
def team(request: HttpRequest, member: Member, team_id: int) -> HttpResponse:
    """GET: the team's details and members. POST: its name, parent and lead."""
    team = selectors.get_team(member, team_id)
    if request.method != "POST":
        return _team_page(request, member, team)
    details = TeamDetailsForm(request.POST, member=member, team=team)
    if details.is_valid():
        try:
            services.change_team(actor=member, team=team, **details.cleaned_data)
        except ValidationError as error:
            show_errors(details, error)
        else:
            messages.success(request, f"Saved the team {details.cleaned_data['name']}.")
            return redirect(_url(member, "settings-team", team_id=team.pk))
    return _team_page(request, member, team, details=details)


@super_user_view
@require_POST
def team_members(request: HttpRequest, member: Member, team_id: int) -> HttpResponse:
    team = selectors.get_team(member, team_id)
    form = TeamMembersForm(request.POST, member=member, team=team)
    if form.is_valid():
        try:
            services.set_team_members(
                actor=member, team=team, members=list(form.cleaned_data["members"])
            )
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, f"Saved the members of {team.name}.")
            return redirect(_url(member, "settings-team", team_id=team.pk))
    return _team_page(request, member, team, members=form)


# --------------------------------------------------------------------------- periods


@super_user_view
def periods(request: HttpRequest, member: Member) -> HttpResponse:
    """The periods, quarters nested in their year, and a form for a new one."""
    form = PeriodForm(request.POST or None, member=member)
    if request.method == "POST" and form.is_valid():
        try:
            period = services.create_period(actor=member, **form.cleaned_data)
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, f"Created the period {period.name}.")
            return redirect(_url(member, "settings-periods"))
    context = {"rows": selectors.period_tree(member), "form": form}
    return _form_response(request, "web/settings/periods.html", context, form)
