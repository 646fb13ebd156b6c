"""The first-run setup page and the first steps after it (rules: ``cascade.orgs.setup``)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from cascade.orgs import setup
from cascade.orgs.models import Member
from cascade.web.forms import show_errors
from cascade.web.forms.setup import SetupForm, SignupForm
from cascade.web.membership import super_user_view


@never_cache
def first_run(request: HttpRequest) -> HttpResponse:
    if not setup.is_pending():
        raise Http404("This installation is set up.")
    form = SetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            founder = setup.set_up(
                code=data["code"],
                organisation_name=data["organisation_name"],
                slug=data["slug"],
                timezone=data["timezone"],
                period=setup.FirstPeriod(
                    name=data["period_name"], start=data["period_start"], end=data["period_end"]
                ),
                admin_name=data["admin_name"],
                admin_email=data["admin_email"],
                admin_password=data["admin_password"],
            )
        except ValidationError as error:
            show_errors(form, error)
        else:
            login(request, founder.user)
            return redirect("first-steps", org=founder.organisation.slug)
    status = 400 if form.errors else 200
    return render(request, "web/setup/first_run.html", {"form": form}, status=status)


@super_user_view
def first_steps(request: HttpRequest, member: Member) -> HttpResponse:
    return render(request, "web/setup/first_steps.html")


@never_cache
def signup(request: HttpRequest) -> HttpResponse:
    """A new organisation, whose founder confirms by the emailed invitation. The answer is the
    same whether or not the email has an account (someone with one signs in to accept)."""
    if not settings.CASCADE_ALLOW_SIGNUP or setup.is_pending():
        raise Http404("Sign-up is off on this installation.")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            setup.create_for_operator(**form.cleaned_data, site_url=request.build_absolute_uri("/"))
        except ValidationError as error:
            show_errors(form, error)
        else:
            context = {"email": form.cleaned_data["admin_email"]}
            return render(request, "web/setup/signed_up.html", context)
    status = 400 if form.errors else 200
    return render(request, "web/setup/signup.html", {"form": form}, status=status)
