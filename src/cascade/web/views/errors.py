"""The error pages Django's defaults do not cover."""

from django.http import HttpRequest, HttpResponseServerError
from django.middleware.csp import get_nonce
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponseServerError:
    """Django's server_error, plus the CSP nonce for the page's own <style>.

    Like Django's, it renders with no context processors: the failure may be in one of them.
    The page keeps its style inline so that it shows even when the static files are what broke.
    """
    template = loader.get_template("500.html")
    return HttpResponseServerError(template.render({"csp_nonce": get_nonce(request)}))
