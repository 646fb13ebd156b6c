"""Accepting an invitation: the invited person chooses a password and lands in the organisation.

Django's password-reset confirmation does the careful parts: it checks the token, moves it from
the URL into the session (so it never leaks in a Referer header), validates the password with
the password validators and signs the person in. Only the token generator (invitations have
their own salt), the pages and where it lands differ.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.shortcuts import resolve_url
from django.urls import reverse

from cascade.orgs.models import Member
from cascade.orgs.services import invitation_tokens


class AcceptInvitation(auth_views.PasswordResetConfirmView):
    token_generator = invitation_tokens
    template_name = "registration/invitation_accept.html"
    title = "Join your organisation"
    post_reset_login = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        if self.validlink:
            context["invited"] = self.user
            context["joining"] = self._memberships()
        return context

    def get_success_url(self) -> str:
        """The organisation they were invited to (the latest, if several), else the chooser."""
        newest = self._memberships()[:1]
        if newest:
            return reverse("my-week", kwargs={"org": newest[0].organisation.slug})
        return resolve_url("home")

    def _memberships(self) -> list[Member]:
        return list(
            Member.objects.filter(user=self.user, is_active=True)
            .select_related("organisation")
            .order_by("-joined_at", "-pk")
        )


accept = AcceptInvitation.as_view()
