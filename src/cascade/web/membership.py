"""Finding the caller's membership for the organisation named in the URL (``/o/<slug>/…``)."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse

from cascade import permissions
from cascade.notifications.models import Notification
from cascade.orgs.models import Member


def signed_in_user_id(request: HttpRequest) -> int:
    if not request.user.is_authenticated:  # login_required has already sent strangers away
        raise PermissionDenied("Sign in first.")
    return int(request.user.pk)


def member_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Sign-in required, and a 404 unless the user is an active member of the organisation.

    The view gets the membership as its ``member`` argument instead of the slug; templates find
    it as ``member`` through the context processor.
    """

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, org: str, *args: Any, **kwargs: Any) -> HttpResponse:
        member = (
            Member.objects.select_related("organisation", "user")
            .joined()
            .filter(organisation__slug=org, user_id=signed_in_user_id(request))
            .first()
        )
        if member is None:
            raise Http404("No such organisation.")
        request.member = member  # type: ignore[attr-defined]
        return view(request, member, *args, **kwargs)

    return wrapper


def super_user_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A member view for super users only: everyone else gets 403."""

    @member_view
    @wraps(view)
    def wrapper(request: HttpRequest, member: Member, *args: Any, **kwargs: Any) -> HttpResponse:
        permissions.require(
            permissions.can_manage_organisation(member), "Only super users can open the settings."
        )
        return view(request, member, *args, **kwargs)

    return wrapper


def _unread() -> Any:
    """The member's unread notifications, counted in a subquery (on the recipient index)."""
    unread = (
        Notification.objects.filter(recipient=OuterRef("pk"), read_at__isnull=True)
        .order_by()
        .values("recipient")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(unread, output_field=IntegerField()), 0)


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Context processor: the current membership, the organisations to switch to, and the
    number of unread notifications in each (the bell), all in the one query of the memberships."""
    member = getattr(request, "member", None)
    if member is None:
        return {}
    memberships = list(
        Member.objects.joined()
        .filter(user_id=member.user_id)
        .select_related("organisation")
        .annotate(unread=_unread())
        .order_by("organisation__name")
    )
    return {
        "member": member,
        "organisation": member.organisation,
        "memberships": memberships,
        "unread_count": next((m.unread for m in memberships if m.pk == member.pk), 0),
        "is_super_user": permissions.can_manage_organisation(member),
    }
