"""The first run of a real installation: claiming it with its first organisation.

An installation with no organisation is *pending*. ``cascade serve`` and ``cascade worker``
print a one-time setup code at start (``announce``); the browser's setup page, and only someone
who can read that log, creates the organisation, its first period and its first super user
(``set_up``). The code is claimed with one conditional UPDATE before anything is created, so two
submissions at once create one organisation, on SQLite as on PostgreSQL. Once an organisation
exists the page is gone; more organisations come from the operator (``cascade
create_organisation``, the admin) or from self-service sign-up when ``CASCADE_ALLOW_SIGNUP``
is on.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from io import TextIOBase

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from cascade.accounts.models import User
from cascade.core import clock
from cascade.core.errors import by_field, combine, invalid
from cascade.core.text import clean_email
from cascade.core.transactions import atomic_with_retries
from cascade.orgs import invitations, services
from cascade.orgs.models import Member, Organisation, PeriodKind, SetupCode

WRONG_CODE = (
    "That is not the setup code. It is printed in the log of `cascade serve` "
    "(and `cascade worker`) when they start."
)


def is_pending() -> bool:
    """No organisation yet: the installation waits for its setup."""
    return not Organisation.objects.exists()


def announce() -> str | None:
    """The setup code to print at start while setup is pending (made on first call), else None."""
    if not is_pending():
        return None
    with transaction.atomic():
        current = SetupCode.objects.select_for_update().filter(used_at=None).first()
        if current is None:
            # Groups of four, without letters that read alike, to copy from a log by hand.
            alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
            raw = "".join(secrets.choice(alphabet) for _ in range(12))
            current = SetupCode.objects.create(code="-".join([raw[:4], raw[4:8], raw[8:]]))
    return current.code


def announce_setup(out: TextIOBase, site_url: str = "") -> None:
    """For ``serve`` and ``worker`` at start: print the setup code while setup is pending."""
    try:
        code = announce()
    except DatabaseError:
        out.write("The database is not ready: run `cascade migrate` first.\n")
        return
    if code is not None:
        where = f"{site_url.rstrip('/')}/setup/" if site_url else "the setup page (/setup/)"
        out.write(
            f"Cascade is not set up yet. Open {where} and enter the setup code {code} to "
            "create your organisation and its first super user.\n"
        )


def _normalise(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isascii() and ch.isalnum())


def account_exists(email: str) -> bool:
    return User.objects.filter(email__iexact=(email or "").strip()).exists()


def code_is_right(code: str) -> bool:
    current = SetupCode.objects.filter(used_at=None).first()
    return current is not None and hmac.compare_digest(
        _normalise(current.code), _normalise(code)[:40]
    )


def _founder(
    email: str, name: str, password: str | None, *, new_account: bool, name_needed: str
) -> tuple[str, str, User | None]:
    """The first super user's email and name, cleaned, and the account the email has (with
    ``new_account``, there must be none); a new account's ``password`` is checked against the
    password rules. Every problem is raised at once, under the setup form's field names."""
    errors: dict[str, ValidationError] = {}
    email = (email or "").strip().lower()
    try:
        email = clean_email(email, "admin_email")
    except ValidationError as error:
        errors.update({k: v[0] for k, v in by_field(error).items()})
    user = User.objects.filter(email__iexact=email).first() if not errors else None
    if user is not None and new_account:
        errors["admin_email"] = invalid(
            "An account with this email exists already.", "account_exists"
        )
        user = None  # the rest is checked as for the new account it must be
    name = (name or "").strip()
    if user is None and not name:
        errors["admin_name"] = invalid(name_needed, "required")
    elif len(name) > 150 or "\x00" in name:
        errors["admin_name"] = invalid(
            "Keep it under 150 characters, without NUL characters.", "text_too_long"
        )
    if user is None and password is not None:
        try:
            validate_password(password, User(email=email, full_name=name))
        except ValidationError as error:
            # Django's validators name their rules (password_too_short, …); one code here.
            errors["admin_password"] = invalid(" ".join(error.messages), "password_invalid")
    if errors:
        raise combine(errors)
    return email, name, user


@dataclass(frozen=True)
class FirstPeriod:
    name: str
    start: date
    end: date


@atomic_with_retries
def set_up(
    *,
    code: str,
    organisation_name: str,
    slug: str,
    timezone: str,
    period: FirstPeriod,
    admin_name: str,
    admin_email: str,
    admin_password: str,
) -> Member:
    """Create the installation's first organisation, its first period and its first super
    user, who can sign in with the password at once. Refuses a wrong or used code."""
    if not is_pending():
        raise invalid("This installation is set up already.", "already_set_up", "code")
    if not code_is_right(code):
        raise invalid(WRONG_CODE, "setup_code_wrong", "code")
    email, admin_name, _ = _founder(
        admin_email,
        admin_name,
        admin_password,
        new_account=True,
        name_needed="Give your full name.",
    )
    # Claim the code before anything else: the second of two submissions finds it used.
    current = SetupCode.objects.filter(used_at=None).first()
    claimed = current and SetupCode.objects.filter(pk=current.pk, used_at=None).update(
        used_at=clock.now()
    )
    if claimed != 1:
        raise invalid("This installation is being set up already.", "already_set_up", "code")
    admin = User.objects.create_user(email, admin_password, full_name=admin_name)
    return _organisation(organisation_name, slug, timezone, period, admin, joined=True)


def _organisation(
    name: str, slug: str, timezone: str, period: FirstPeriod, founder: User, *, joined: bool
) -> Member:
    with _fields_renamed({"name": "organisation_name"}):
        member = services.create_organisation(
            name=name, slug=slug, timezone=timezone, founder=founder, founder_joined=joined
        )
    with _fields_renamed({"name": "period_name", "start": "period_start", "end": "period_end"}):
        services.create_period(
            actor=member,
            name=period.name,
            start=period.start,
            end=period.end,
            kind=guess_kind(period.start, period.end),
        )
    return member


@dataclass(frozen=True)
class Created:
    founder: Member
    new_account: bool
    invited: bool  # the founder was emailed an invitation to accept


@atomic_with_retries
def create_for_operator(
    *,
    name: str,
    slug: str,
    admin_email: str,
    admin_name: str = "",
    admin_password: str | None = None,
    timezone: str = "UTC",
    period: FirstPeriod | None = None,
    site_url: str,
) -> Created:
    """Another organisation on this installation, made by its operator (the CLI, the admin).

    A new first super user with a password given here joins at once. Anyone else — a new
    account without a password, or an account that exists (it may belong to other
    organisations) — gets an invitation to accept, like every other person.
    """
    email, admin_name, user = _founder(
        admin_email,
        admin_name,
        admin_password,
        new_account=False,
        name_needed="Give the first super user's full name.",
    )
    new_account = user is None
    if user is None:
        user = User.objects.create_user(email, admin_password, full_name=admin_name)
    joined = new_account and admin_password is not None
    founder = _organisation(
        name, slug, timezone, period or this_quarter(clock.today()), user, joined=joined
    )
    if not joined:
        invitations.invite_founder(founder, site_url)
    return Created(founder=founder, new_account=new_account, invited=not joined)


@contextmanager
def _fields_renamed(names: dict[str, str]) -> Iterator[None]:
    """The services name their fields for themselves; the setup form has one of each kind."""
    try:
        yield
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        raise combine(
            {names.get(field, field): errors for field, errors in by_field(error).items()}
        ) from None


def guess_kind(start: date, end: date) -> str:
    """The period's kind from its length: a year, a half, a quarter, a month, else custom."""
    days = (end - start).days + 1
    for kind, low, high in [
        (PeriodKind.MONTH, 28, 31),
        (PeriodKind.QUARTER, 89, 92),
        (PeriodKind.HALF, 181, 184),
        (PeriodKind.YEAR, 365, 366),
    ]:
        if low <= days <= high:
            return kind
    return PeriodKind.CUSTOM


def this_quarter(today: date) -> FirstPeriod:
    """A sensible first period to offer: the calendar quarter of ``today``."""
    first_month = 3 * ((today.month - 1) // 3) + 1
    start = date(today.year, first_month, 1)
    end = date(today.year + (first_month == 10), (first_month + 3 - 1) % 12 + 1, 1)
    end = date.fromordinal(end.toordinal() - 1)
    return FirstPeriod(name=f"Q{(first_month + 2) // 3} {today.year}", start=start, end=end)
