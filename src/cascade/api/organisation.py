"""``/organisation``: the caller's organisation and its settings."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from cascade.api import presenters
from cascade.api.auth import actor
from cascade.api.errors import errors
from cascade.api.fields import Margin
from cascade.api.schemas import OrganisationOut
from cascade.orgs import services as orgs

router = Router(tags=["organisation"])


class OrganisationPatch(Schema):
    model_config = {"extra": "forbid"}

    at_risk_margin: Margin | None = None
    off_track_margin: Margin | None = None


@router.get("/organisation", response={200: OrganisationOut, **errors(400, 401)})
def get_organisation(request: HttpRequest) -> dict[str, Any]:
    """The organisation the token (or the `X-Cascade-Organisation` header) acts in."""
    return presenters.organisation(actor(request).organisation)


@router.patch("/organisation", response={200: OrganisationOut, **errors(400, 401, 403)})
def patch_organisation(request: HttpRequest, payload: OrganisationPatch) -> dict[str, Any]:
    """Change the status margins (super users). A goal is on track while its progress is within
    `at_risk_margin` of the expected progress, off track when it is further behind than
    `off_track_margin`, and at risk in between; `0 ≤ at_risk_margin ≤ off_track_margin ≤ 1`.
    The name and slug are read-only."""
    me = actor(request)
    current = me.organisation
    changed = orgs.change_status_margins(
        actor=me,
        at_risk_margin=(
            current.at_risk_margin if payload.at_risk_margin is None else payload.at_risk_margin
        ),
        off_track_margin=(
            current.off_track_margin
            if payload.off_track_margin is None
            else payload.off_track_margin
        ),
    )
    return presenters.organisation(changed)
