"""The API's docs page, Swagger UI, working offline.

django-ninja's own page loads Swagger UI from a CDN unless ``ninja`` is an installed app. The
files ship inside the locked django-ninja package (``ninja/static/ninja/``), so this page
serves them from there: nothing is fetched from the internet, and the version of Swagger UI
moves with django-ninja's.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import ninja
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse
from ninja.openapi.docs import DocsBase

if TYPE_CHECKING:
    from ninja import NinjaAPI

ASSETS_DIR = Path(ninja.__file__).resolve().parent / "static" / "ninja"
ASSETS = {
    "swagger-ui.css": "text/css; charset=utf-8",
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui-init.js": "text/javascript; charset=utf-8",
    "favicon.png": "image/png",
}


class OfflineSwagger(DocsBase):
    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        settings = {
            "url": self.get_openapi_url(api, kwargs),
            "layout": "BaseLayout",
            "deepLinking": True,
            "persistAuthorization": True,
        }
        return render(
            request,
            "api/docs.html",
            {
                "title": api.title,
                "swagger_settings": settings,
                "csrf_token": get_token(request),
                "css_url": reverse("api-docs-asset", args=["swagger-ui.css"]),
                "bundle_url": reverse("api-docs-asset", args=["swagger-ui-bundle.js"]),
                "init_url": reverse("api-docs-asset", args=["swagger-ui-init.js"]),
                "favicon_url": reverse("api-docs-asset", args=["favicon.png"]),
            },
        )


def asset(request: HttpRequest, name: str) -> FileResponse:
    """One of Swagger UI's files, from the django-ninja package."""
    if name not in ASSETS:
        raise Http404("No such file.")
    response = FileResponse((ASSETS_DIR / name).open("rb"), content_type=ASSETS[name])
    response["Cache-Control"] = "public, max-age=86400"
    return response
