"""``/organisation``: the caller's organisation and its settings."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Router, Schema

from cascade.api import presenters
from cascade.api.auth import actor
from cascade.api.errors import errors
from cascade.api.fields import Flag, Margin
from cascade.api.schemas import OrganisationOut
from cascade.orgs import services as orgs
from cascade.performance import services as performance

router = Router(tags=["organisation"])


class OrganisationPatch(Schema):
    model_config = {"extra": "forbid"}

    at_risk_margin: Margin | None = None
    off_track_margin: Margin | None = None
    include_goals_in_reviews: Flag | None = None
    timezone: str | None = Field(None, max_length=64)
    checkin_weekday: int | None = Field(None, description="0 (Monday) to 6 (Sunday).")
    checkin_time: str | None = Field(None, max_length=5, description="Local time, HH:MM.")
    nudge_after_days: int | None = Field(None, description="0 (no nudge) to 6.")


CADENCE = {"timezone", "checkin_weekday", "checkin_time", "nudge_after_days"}


@router.get("/organisation", response={200: OrganisationOut, **errors(400, 401)})
def get_organisation(request: HttpRequest) -> dict[str, Any]:
    """The organisation the token (or the `X-Cascade-Organisation` header) acts in."""
    return presenters.organisation(actor(request).organisation)


@router.patch("/organisation", response={200: OrganisationOut, **errors(400, 401, 403)})
def patch_organisation(request: HttpRequest, payload: OrganisationPatch) -> dict[str, Any]:
    """Change the settings (super users; all of them, or none).

    * The status margins: a goal is on track while its progress is within `at_risk_margin` of
      the expected progress, off track when it is further behind than `off_track_margin`, and
      at risk in between; `0 ≤ at_risk_margin ≤ off_track_margin ≤ 1`.
    * `include_goals_in_reviews`: performance reviews show the reviewee's goal sheet in a
      column of its own, rated and scored beside the competencies.
    * The weekly check-in: `checkin_weekday` (0 = Monday) at `checkin_time` (HH:MM) in
      `timezone` (an IANA name, also where "today" is); people with key results not updated
      for a cadence are reminded then, and nudged `nudge_after_days` later (0: no nudge).

    Every change is audited.

    The name and slug are read-only."""
    me = actor(request)
    current = me.organisation
    sent = payload.model_fields_set
    goals_in_reviews = payload.include_goals_in_reviews
    with transaction.atomic():
        if sent & CADENCE:
            current = orgs.change_checkin_cadence(
                actor=me,
                **{f: _or(getattr(payload, f), getattr(current, f)) for f in sorted(CADENCE)},
            )
        # The margins when they are sent, and when nothing else is: a request that changes
        # nothing is still a super user's, as it always was.
        if sent & {"at_risk_margin", "off_track_margin"} or (
            goals_in_reviews is None and not sent & CADENCE
        ):
            current = orgs.change_status_margins(
                actor=me,
                at_risk_margin=(
                    current.at_risk_margin
                    if payload.at_risk_margin is None
                    else payload.at_risk_margin
                ),
                off_track_margin=(
                    current.off_track_margin
                    if payload.off_track_margin is None
                    else payload.off_track_margin
                ),
            )
        if goals_in_reviews is not None:
            current = performance.set_goals_in_reviews(actor=me, enabled=goals_in_reviews)
    return presenters.organisation(current)


def _or(sent: object, stored: object) -> object:
    return stored if sent is None else sent
