"""``cascade create_organisation``: an organisation and its first super user, for scripts and
hosting (the browser's first-run setup does the same for the first one)."""

from __future__ import annotations

import getpass
import os
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cascade.core import clock
from cascade.orgs import setup

PASSWORD_VARIABLE = "CASCADE_ADMIN_PASSWORD"


class Command(BaseCommand):
    help = (
        "Create an organisation with its first super user. The password comes from "
        f"${PASSWORD_VARIABLE}, or is asked for; with --invite (or for an existing account) the "
        "super user is emailed an invitation instead."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="the organisation's name")
        parser.add_argument("--slug", default="", help="its web address, /o/<slug>/")
        parser.add_argument("--timezone", default="UTC", help="e.g. Europe/Berlin")
        parser.add_argument("--admin-email", required=True, help="the first super user's email")
        parser.add_argument("--admin-name", default="", help="their full name (new accounts)")
        parser.add_argument(
            "--invite", action="store_true", help="email them an invitation; set no password"
        )
        parser.add_argument("--period-name", default="", help="the first period, e.g. 'Q1 2027'")
        parser.add_argument("--period-start", type=date.fromisoformat, help="YYYY-MM-DD")
        parser.add_argument("--period-end", type=date.fromisoformat, help="YYYY-MM-DD")
        parser.add_argument(
            "--site-url",
            default=os.environ.get("CASCADE_SITE_URL", "http://127.0.0.1:8000/"),
            help="the address people open Cascade at, for the invitation link",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        period = self._period(options)
        password = None if options["invite"] else self._password(options["admin_email"])
        try:
            created = setup.create_for_operator(
                name=options["name"],
                slug=options["slug"],
                timezone=options["timezone"],
                admin_email=options["admin_email"],
                admin_name=options["admin_name"],
                admin_password=password,
                period=period,
                site_url=options["site_url"],
            )
        except ValidationError as error:
            raise CommandError(_explain(error)) from None
        founder = created.founder
        self.stdout.write(
            f"Created {founder.organisation.name} at /o/{founder.organisation.slug}/ "
            f"with its first period."
        )
        if created.invited:
            self.stdout.write(
                f"{founder.user.email} is its super user once they accept the invitation "
                "emailed to them."
            )
        else:
            self.stdout.write(f"{founder.user.email} can sign in as its super user now.")

    def _period(self, options: dict[str, Any]) -> setup.FirstPeriod:
        quarter = setup.this_quarter(clock.today())
        start = options["period_start"] or quarter.start
        end = options["period_end"] or quarter.end
        name = options["period_name"] or (
            quarter.name if (start, end) == (quarter.start, quarter.end) else f"{start} – {end}"
        )
        return setup.FirstPeriod(name=name, start=start, end=end)

    def _password(self, email: str) -> str | None:
        """The new super user's password: from the environment, else asked twice. None for an
        existing account: it keeps its own password and accepts an invitation."""
        if os.environ.get(PASSWORD_VARIABLE):
            return os.environ[PASSWORD_VARIABLE]
        if setup.account_exists(email):
            return None
        if not os.isatty(0):
            raise CommandError(
                f"Set ${PASSWORD_VARIABLE} or run in a terminal to be asked for the password "
                "(or use --invite)."
            )
        first = getpass.getpass(f"Password for {email}: ")
        if first != getpass.getpass("The same again: "):
            raise CommandError("The two passwords differ; nothing was created.")
        return first


def _explain(error: ValidationError) -> str:
    if not hasattr(error, "error_dict"):
        return " ".join(error.messages)
    return "\n".join(
        f"{field.replace('_', '-')}: {' '.join(messages)}"
        for field, messages in error.message_dict.items()
    )
