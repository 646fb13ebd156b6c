"""``/members``: the people of the organisation. Adding and changing people, and sending
invitations again, is for super users."""

from __future__ import annotations

from typing import Annotated, Any

from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from cascade.api import presenters, reads
from cascade.api.auth import actor
from cascade.api.errors import errors
from cascade.api.fields import BodyId, Email, Flag, FullName, Id, Name, QueryFlag, Search
from cascade.api.pagination import PageParams, page, page_of
from cascade.api.schemas import InvitationOut, MemberOut, MemberPage, RoleName
from cascade.orgs import invitations
from cascade.orgs import selectors as org_selectors
from cascade.orgs import services as orgs
from cascade.orgs.models import Member, name_contains

router = Router(tags=["members"])


class MemberFilters(Schema):
    q: Search = ""
    active: QueryFlag | None = None


class MemberIn(Schema):
    model_config = {"extra": "forbid"}

    email: Email
    full_name: FullName = ""
    role: RoleName = "member"
    title: Name = ""
    manager: BodyId | None = None
    teams: Annotated[list[BodyId], Field(max_length=500)] = []


class MemberPatch(Schema):
    model_config = {"extra": "forbid"}

    role: RoleName | None = None
    title: Name | None = None
    manager: BodyId | None = None
    is_active: Flag | None = None


def _members(me: Member) -> Any:
    return Member.objects.filter(organisation_id=me.organisation_id).select_related(
        "user", "manager__user"
    )


@router.get("/members", response={200: MemberPage, **errors(400, 401)})
def list_members(
    request: HttpRequest, filters: Query[MemberFilters], paging: Query[PageParams]
) -> dict[str, Any]:
    """The organisation's people by name; `q` searches names and email addresses, `active`
    keeps only active (true) or deactivated (false) members."""
    me = actor(request)
    members = _members(me)
    for word in filters.q.split():
        members = members.filter(name_contains(word) | Q(user__email__icontains=word))
    if filters.active is not None:
        members = members.filter(is_active=filters.active)
    objects, meta = page_of(members.order_by("user__full_name", "id"), paging)
    return page([presenters.member(m) for m in objects], meta)


@router.post("/members", response={201: MemberOut, **errors(400, 401, 403, 404)})
def create_member(request: HttpRequest, payload: MemberIn) -> Status:
    """Invite someone by email (super users). They get an email with a link that works once, for
    a week: someone new to Cascade chooses a password through it; someone with an account
    accepts while signed in. Until then the member shows `joined: false` under the `full_name`
    given here (required), and cannot open the organisation. The answer is the same whether or
    not the address already has an account."""
    me = actor(request)
    invitation = invitations.invite_member(
        actor=me,
        email=payload.email,
        full_name=payload.full_name,
        role=payload.role,
        title=payload.title,
        manager=reads.optional(org_selectors.get_member, me, payload.manager, "manager"),
        teams=[org_selectors.get_team(me, team_id, "teams") for team_id in payload.teams],
        site_url=request.build_absolute_uri("/"),
    )
    return Status(201, presenters.member(_members(me).get(pk=invitation.member.pk)))


@router.get("/members/{member_id}", response={200: MemberOut, **errors(400, 401, 404)})
def get_member(request: HttpRequest, member_id: Id) -> dict[str, Any]:
    me = actor(request)
    member = org_selectors.get_member(me, member_id)
    return presenters.member(member)


@router.patch("/members/{member_id}", response={200: MemberOut, **errors(400, 401, 403, 404)})
def patch_member(request: HttpRequest, member_id: Id, payload: MemberPatch) -> dict[str, Any]:
    """Change someone's role, title or manager (`null` removes the manager), or deactivate
    (`is_active: false`) or reactivate them (super users). A deactivated member's tokens stop
    working at once; their goals and history stay."""
    me = actor(request)
    member = org_selectors.get_member(me, member_id)
    sent = payload.model_fields_set
    with transaction.atomic():  # all of the changes, or none
        if sent & {"role", "title", "manager"}:
            orgs.change_member(
                actor=me,
                member=member,
                role=payload.role,
                title=payload.title,
                manager=reads.optional(org_selectors.get_member, me, payload.manager, "manager")
                if "manager" in sent
                else False,
            )
        if payload.is_active is False and member.is_active:
            orgs.deactivate_member(actor=me, member=member)
        elif payload.is_active and not member.is_active:
            orgs.reactivate_member(actor=me, member=member)
    return presenters.member(_members(me).get(pk=member.pk))


@router.post(
    "/members/{member_id}/resend-invitation",
    response={200: InvitationOut, **errors(400, 401, 403, 404)},
)
def resend_invitation(request: HttpRequest, member_id: Id) -> dict[str, Any]:
    """Email someone who has not joined yet a new invitation link (super users); their older
    links stop working. The link is only in the email. Someone who has joined, or is
    deactivated, is refused (400)."""
    me = actor(request)
    member = org_selectors.get_member(me, member_id)
    invitation = invitations.resend_invitation(
        actor=me, member=member, site_url=request.build_absolute_uri("/")
    )
    return {"member": presenters.member(member), "expires_at": invitation.expires_at}
