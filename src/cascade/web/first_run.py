"""Until the installation is set up, every page a signed-out visitor opens leads to the setup
page (``cascade.orgs.setup``). Only signed-out requests pay the one query: a signed-in person
has an account, so someone has set the installation up (or the operator is in the admin)."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from cascade.orgs import setup

# The API answers for itself, static files and the admin must keep working, and the
# setup and invitation pages are where a visitor should land.
PASSING = ("/setup/", "/static/", "/api/", "/admin/", "/invitations/", "/favicon")


class FirstRunMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            not request.user.is_authenticated
            and not request.path.startswith(PASSING)
            and setup.is_pending()
        ):
            return redirect("setup")
        return self.get_response(request)
