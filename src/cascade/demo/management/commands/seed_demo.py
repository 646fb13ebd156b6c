from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cascade.demo.seed import is_seeded, seed


class Command(BaseCommand):
    help = "Add the demo organisation Acme to the database (once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today", type=date.fromisoformat, help="seed as of this date (YYYY-MM-DD)"
        )

    def handle(self, *args: Any, today: date | None = None, **options: Any) -> None:
        if is_seeded():
            raise CommandError("The demo organisation Acme already exists.")
        ceo = seed(today)
        self.stdout.write(self.style.SUCCESS(f"Seeded Acme; sign in as {ceo.user.email}."))
