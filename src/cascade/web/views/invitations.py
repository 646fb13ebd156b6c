"""The page an invitation email links to (rules: ``cascade.orgs.invitations``).

Someone new to Cascade chooses their password here and lands in the organisation; someone with
an account signs in as that account and accepts with one button. The token stays in the URL:
the page loads nothing from elsewhere and the referrer policy is same-origin, so it does not
leak, and it works once.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from cascade.accounts.models import User
from cascade.orgs import invitations
from cascade.web.forms import show_errors


@never_cache
def accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = invitations.find(token)
    if invitation is None or not invitation.is_open or invitation.member.has_joined:
        return render(request, "registration/invitation_accept.html", status=404)
    member = invitation.member
    signed_in = request.user if isinstance(request.user, User) else None
    first_password = signed_in is None and invitations.sets_password(member)
    form = SetPasswordForm(member.user, request.POST or None) if first_password else None
    if request.method == "POST":
        if form is not None and not form.is_valid():
            pass  # shown below with its errors
        else:
            try:
                joined = invitations.accept(
                    token=token,
                    user=signed_in,
                    password=form.cleaned_data["new_password1"] if form is not None else None,
                )
            except ValidationError as error:
                if form is None:
                    messages.error(request, " ".join(error.messages))
                    return redirect(request.path)
                show_errors(form, error)
            else:
                if signed_in is None:
                    login(request, joined.user)
                messages.success(request, f"Welcome to {joined.organisation.name}.")
                return redirect("my-week", org=joined.organisation.slug)
    if signed_in is None and not first_password:
        return redirect_to_login(request.get_full_path())
    context = {
        "member": None,  # the page is outside the organisation until they accept
        "invitation": invitation,
        "organisation_name": member.organisation.name,
        "form": form,
        "wrong_account": signed_in is not None and signed_in.pk != member.user_id,
        "email": member.user.email,
    }
    status = 400 if form is not None and form.errors else 200
    return render(request, "registration/invitation_accept.html", context, status=status)
