from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cascade.orgs.setup import announce_setup
from cascade.web.server import serve


class Command(BaseCommand):
    help = "Serve Cascade with gunicorn (static files included, through WhiteNoise)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000", help="host:port to listen on")
        parser.add_argument("--workers", type=int, default=2, help="worker processes")

    def handle(self, *args: Any, bind: str, workers: int, **options: Any) -> None:
        announce_setup(self.stdout, f"http://{bind}/")
        serve(bind, workers)
