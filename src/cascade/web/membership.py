"""Finding the caller's membership for the organisation named in the URL (``/o/<slug>/…``)."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from cascade.orgs.models import Member


def member_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Sign-in required, and a 404 unless the user is an active member of the organisation.

    The view gets the membership as its ``member`` argument instead of the slug.
    """

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, org: str, *args: Any, **kwargs: Any) -> HttpResponse:
        member = (
            Member.objects.select_related("organisation", "user")
            .filter(organisation__slug=org, user=request.user, is_active=True)
            .first()
        )
        if member is None:
            raise Http404("No such organisation.")
        return view(request, member, *args, **kwargs)

    return wrapper
