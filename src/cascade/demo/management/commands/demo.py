from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from cascade.demo import data
from cascade.demo.seed import email, is_seeded, seed
from cascade.integrations.demo import demo_services
from cascade.orgs.models import Organisation
from cascade.web.server import serve


class Command(BaseCommand):
    help = (
        "Run Cascade with the demo organisation: migrate, seed Acme into an empty database, serve."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000", help="host:port to listen on")
        parser.add_argument("--workers", type=int, default=2, help="web worker processes")
        parser.add_argument("--no-serve", action="store_true", help="prepare the database and stop")

    def handle(self, *args: Any, bind: str, workers: int, no_serve: bool, **options: Any) -> None:
        self.stdout.write(f"Cascade data directory: {settings.DATA_DIR}")
        call_command("migrate", interactive=False, verbosity=0)
        if not Organisation.objects.exists():
            self.stdout.write("Seeding the demo organisation Acme (twelve weeks of history) …")
            seed()
        elif not is_seeded():
            self.stdout.write("The database already holds organisations; not adding the demo.")
        call_command("collectstatic", interactive=False, verbosity=0)
        host, _, port = bind.rpartition(":")
        login = email("Alice")
        self.stdout.write(
            self.style.SUCCESS(
                f"\n  Cascade is running at http://{host or '127.0.0.1'}:{port}/\n"
                f"  Sign in as {login} (CEO, super user) with password {data.PASSWORD}\n"
                f"  Everyone at Acme signs in the same way, e.g. tom@{data.DOMAIN} or ethan@{data.DOMAIN}.\n"
            )
        )
        if not no_serve:
            with demo_services(self.stdout):
                serve(bind, workers)
