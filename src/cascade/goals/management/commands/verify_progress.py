from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cascade.goals.verification import verify


class Command(BaseCommand):
    help = "Recompute all progress from the source records and report (or --repair) any difference."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--repair", action="store_true", help="Fix the differences found.")

    def handle(self, *args: Any, repair: bool = False, **options: Any) -> None:
        differences = verify(repair=repair)
        for difference in differences:
            self.stdout.write(str(difference))
        if not differences:
            self.stdout.write(self.style.SUCCESS("verify_progress: no difference."))
        elif repair:
            self.stdout.write(
                self.style.WARNING(f"verify_progress: repaired {len(differences)} difference(s).")
            )
        else:
            raise CommandError(
                f"verify_progress: {len(differences)} difference(s); run with --repair to fix them."
            )
