"""Limits on signing in with a password, the same for the web login, the admin login and
``POST /api/v1/tokens``: against password guessing.

* **Failed sign-ins per (email, client address)**: django-axes counts them in the shared cache
  (settings ``AXES_*``); after ``AXES_FAILURE_LIMIT`` failures that pair is refused for
  ``AXES_COOLOFF_TIME``, even with the right password. Only that pair: the real owner of the
  email address, signing in from another address, is never locked out by someone guessing.
* **Sign-in attempts per client address** (``PER_ADDRESS``), failed or not, counted together for
  the three doors: one address cannot guess across many email addresses either.

The client address is ``cascade.accounts.clients.client_address`` (REMOTE_ADDR unless
``CASCADE_TRUSTED_PROXIES`` says how many proxies' ``X-Forwarded-For`` entries to trust).
"""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest
from ninja.throttling import SimpleRateThrottle

from cascade.accounts.clients import client_address, locked_out, normal_email
from cascade.accounts.signin_audit import signed_in

PER_ADDRESS = "10/min"

LOCKED_OUT = (
    "Too many failed sign-ins for this email address from your network. "
    "Try again in {minutes} minutes, or sign in from another network."
)
TOO_MANY_FROM_ADDRESS = "Too many sign-in attempts from your network. Try again in a minute."


def username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """``AXES_USERNAME_CALLABLE``: the email address a sign-in attempt is for, normalised."""
    if credentials is not None:
        return normal_email(credentials.get("username"))
    return normal_email(request.POST.get("username"))


def cool_off_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def note_success(request: HttpRequest, user: Any) -> None:
    """A right password: forget the pair's failures (``AXES_RESET_ON_SUCCESS``). The web login
    does this through Django's ``user_logged_in`` signal; the API, which signs no one in, here."""
    AxesProxyHandler.user_logged_in(None, request, user)


class SignInLimitBackend(AxesStandaloneBackend, ModelBackend):
    """Django's password check, after axes' check of the (email, address) pair: a locked-out
    pair is refused before any password is checked (axes raises PermissionDenied).

    One backend rather than axes' and Django's side by side, so that ``login()`` after a
    password set elsewhere (an accepted invitation) needs no backend named. An
    ``authenticate()`` without a request (a management command, the test client's
    ``login()``) is not a sign-in over the network: there is no address to count it against.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if request is not None:
            super().authenticate(request, username, password, **kwargs)
        return ModelBackend.authenticate(self, request, username, password, **kwargs)


class SignInsPerAddress(SimpleRateThrottle):
    """Sign-in attempts per client address, kept in the shared cache."""

    scope = "sign_in_address"

    def get_cache_key(self, request: HttpRequest) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": client_address(request)}


def per_address() -> SignInsPerAddress:
    return SignInsPerAddress(PER_ADDRESS)


class _Limited:
    """The checks both login forms add around Django's ``AuthenticationForm.clean``."""

    request: HttpRequest | None

    def clean(self) -> dict[str, Any]:
        request = self.request
        if request is not None and not per_address().allow_request(request):
            raise forms.ValidationError(TOO_MANY_FROM_ADDRESS, code="throttled")
        try:
            return super().clean()  # type: ignore[misc]
        except forms.ValidationError:
            if self.request is not None and locked_out(self.request):
                message = LOCKED_OUT.format(minutes=cool_off_minutes())
                raise forms.ValidationError(message, code="locked_out") from None
            raise

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)  # type: ignore[misc]
        if self.request is not None:
            signed_in(self.request, user)


class LimitedAuthenticationForm(_Limited, AuthenticationForm):
    """The web login's form."""


class LimitedAdminAuthenticationForm(_Limited, AdminAuthenticationForm):
    """The admin login's form."""
