"""An organisation: creating one, and its settings."""

from __future__ import annotations

import re
from datetime import time
from decimal import Decimal
from zoneinfo import available_timezones

from django.core.exceptions import ValidationError
from django.utils.text import slugify

from cascade import permissions
from cascade.accounts.models import User
from cascade.audit.models import EventKind
from cascade.audit.services import record
from cascade.core import clock
from cascade.core.errors import by_field, combine, invalid
from cascade.core.numbers import parse_number
from cascade.core.transactions import atomic_with_retries
from cascade.orgs.models import Member, Organisation, Role
from cascade.orgs.services._shared import _clean_name
from cascade.progress import cadence


def clean_timezone(value: str) -> str:
    value = (value or "").strip()
    if value not in available_timezones():
        raise invalid(
            "Choose a time zone such as Europe/Berlin or UTC.", "timezone_unknown", "timezone"
        )
    return value


@atomic_with_retries
def create_organisation(
    *,
    name: str,
    founder: User,
    slug: str = "",
    founder_title: str = "",
    timezone: str = "UTC",
    founder_joined: bool = True,
) -> Member:
    """A new organisation whose founder is its first super user. Returns the founder's membership.

    ``founder_joined=False`` leaves the founder's membership pending, for an installation
    operator creating an organisation for someone: they accept an invitation like anyone else.
    """
    errors: dict[str, ValidationError] = {}
    try:
        name = _clean_name(name)
    except ValidationError as error:
        errors.update({k: v[0] for k, v in by_field(error).items()})
    typed = (slug or "").strip()
    slug = slugify(typed or name)[:60]
    if typed and slug != typed.lower():
        errors["slug"] = invalid(
            "Use lowercase letters, digits and hyphens only, e.g. acme-inc.", "slug_invalid"
        )
    elif not slug:
        errors["slug"] = invalid(
            "Give the organisation a name with letters or digits.", "slug_invalid"
        )
    elif Organisation.objects.filter(slug=slug).exists():
        errors["slug"] = invalid(f"The address {slug} is taken; choose another.", "slug_taken")
    try:
        timezone = clean_timezone(timezone)
    except ValidationError as error:
        errors.update({k: v[0] for k, v in by_field(error).items()})
    if errors:
        raise combine(errors)
    organisation = Organisation.objects.create(name=name, slug=slug, timezone=timezone)
    founder_member = Member.objects.create(
        organisation=organisation,
        user=founder,
        role=Role.SUPER_USER,
        title=founder_title,
        accepted_at=clock.now() if founder_joined else None,
        invited_name=founder.full_name,
    )
    record(
        organisation=organisation,
        actor=founder_member,
        kind=EventKind.ORGANISATION_CREATED,
        subject=organisation,
        data={"name": name, "slug": slug, "timezone": timezone},
    )
    return founder_member


@atomic_with_retries
def change_status_margins(
    *, actor: Member, at_risk_margin: object, off_track_margin: object
) -> Organisation:
    """The margins that turn progress against time into on track / at risk / off track."""
    permissions.require_organisation_admin(actor)
    # Rounded to the column's precision first, so the audit trail and the rule see what is stored.
    at_risk = parse_number(at_risk_margin, "at_risk_margin", percent=True).quantize(
        Decimal("0.001")
    )
    off_track = parse_number(off_track_margin, "off_track_margin", percent=True).quantize(
        Decimal("0.001")
    )
    if not Decimal(0) <= at_risk <= off_track <= Decimal(1):
        raise invalid(
            "Margins must satisfy 0 ≤ at risk margin ≤ off track margin ≤ 1.",
            "margins_order",
            "off_track_margin",
        )
    organisation = Organisation.objects.select_for_update().get(pk=actor.organisation_id)
    before = [str(organisation.at_risk_margin), str(organisation.off_track_margin)]
    organisation.at_risk_margin = at_risk
    organisation.off_track_margin = off_track
    organisation.save(update_fields=["at_risk_margin", "off_track_margin"])
    record(
        organisation=organisation,
        actor=actor,
        kind=EventKind.ORGANISATION_SETTINGS_CHANGED,
        subject=organisation,
        data={"margins": [before, [str(at_risk), str(off_track)]]},
    )
    return organisation


def _weekday(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise invalid(
            "Choose a weekday: 0 (Monday) to 6 (Sunday).", "weekday_invalid", "checkin_weekday"
        )
    day = int(value) if isinstance(value, int) or re.fullmatch(r"[0-9]", value) else -1
    if not 0 <= day <= 6:
        raise invalid(
            "Choose a weekday: 0 (Monday) to 6 (Sunday).", "weekday_invalid", "checkin_weekday"
        )
    return day


def _time(value: object) -> time:
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0, tzinfo=None)
    text = str(value or "").strip()
    # ASCII digits only: int() would also read "٠٩:٠٠", and a long number overflows.
    if not re.fullmatch(r"[0-9]{1,2}:[0-9]{2}", text):
        raise invalid("Give a time of day such as 09:00.", "time_invalid", "checkin_time")
    try:
        hours, minutes = text.split(":")
        parsed = time(int(hours), int(minutes))
    except ValueError:
        raise invalid("Give a time of day such as 09:00.", "time_invalid", "checkin_time") from None
    return parsed


def _nudge_days(value: object) -> int:
    message = f"Give 0 (no nudge) to {cadence.MAX_NUDGE_AFTER_DAYS} days."
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise invalid(message, "nudge_after_days_invalid", "nudge_after_days")
    days = int(value) if isinstance(value, int) or re.fullmatch(r"[0-9]", value) else -1
    if not 0 <= days <= cadence.MAX_NUDGE_AFTER_DAYS:
        raise invalid(message, "nudge_after_days_invalid", "nudge_after_days")
    return days


@atomic_with_retries
def change_checkin_cadence(
    *,
    actor: Member,
    checkin_weekday: object,
    checkin_time: object,
    nudge_after_days: object,
    timezone: object,
) -> Organisation:
    """The weekly check-in: its weekday and local time, the time zone they are read in (which
    is also where "today" is for the organisation), and the days until the nudge (0: none)."""
    permissions.require_organisation_admin(actor)
    weekday = _weekday(checkin_weekday)
    at = _time(checkin_time)
    days = _nudge_days(nudge_after_days)
    zone = str(timezone or "").strip()
    if zone not in available_timezones():
        raise invalid(
            "Choose a time zone such as Europe/Berlin or UTC.", "timezone_unknown", "timezone"
        )
    organisation = Organisation.objects.select_for_update().get(pk=actor.organisation_id)
    fields = ["checkin_weekday", "checkin_time", "nudge_after_days", "timezone"]
    before = {f: str(getattr(organisation, f)) for f in fields}
    organisation.checkin_weekday = weekday
    organisation.checkin_time = at
    organisation.nudge_after_days = days
    organisation.timezone = zone
    organisation.save(update_fields=fields)
    after = {f: str(getattr(organisation, f)) for f in fields}
    record(
        organisation=organisation,
        actor=actor,
        kind=EventKind.ORGANISATION_SETTINGS_CHANGED,
        subject=organisation,
        data={"cadence": [before, after]},
    )
    return organisation
