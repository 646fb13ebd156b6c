"""``/api/v1/``: the API's operations, the docs page's files, and JSON errors for everything else.

Django would answer an unknown path with its HTML 404 page and ninja a wrong method with a
plain-text 405; both are turned into the API's error shape here.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path, re_path
from django.views.decorators.csrf import csrf_exempt

from cascade.api import docs
from cascade.api.api import api
from cascade.api.errors import error_response


def json_method_not_allowed(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and response.get("Content-Type", "").startswith("text/"):
            allowed = response.get("Allow", "")
            answer = error_response(
                405, "method_not_allowed", f"This path accepts only: {allowed}."
            )
            answer["Allow"] = allowed
            return answer
        return response

    return wrapper


@csrf_exempt
def unknown_path(request: HttpRequest, rest: str = "") -> HttpResponse:
    return error_response(404, "not_found", "There is no such path in the API.")


def _operations() -> tuple[list[Any], str, str]:
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        if not isinstance(pattern, URLPattern):
            continue
        if pattern.name == "api-root":
            # ninja's root view answers with Django's HTML 404 (the name stays: ninja uses it).
            pattern.callback = unknown_path
        else:
            pattern.callback = json_method_not_allowed(pattern.callback)
    return patterns, app_name, namespace


urlpatterns = [
    path("docs/assets/<str:name>", docs.asset, name="api-docs-asset"),
    path("", _operations()),
    re_path(r"^(?P<rest>.*)$", unknown_path),
]
