"""A page whose write the database kept refusing answers 503, "busy, try again", not 500.

The services run their transaction again themselves (``cascade.core.transactions``); what still
fails reaches here as ``Busy``, or as the database's own error when it happened inside a bigger
transaction. Nothing was saved, so the person can send the form again. The API answers the same
in JSON (``cascade.api.errors``).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from cascade.core.errors import Busy
from cascade.core.transactions import is_retryable


class BusyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not (isinstance(exception, Busy) or is_retryable(exception)):
            return None
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = "1"
        return response
