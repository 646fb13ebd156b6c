from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cascade.core.worker import work
from cascade.orgs.setup import announce_setup


class Command(BaseCommand):
    help = (
        "Run a background worker: the queued tasks (django-tasks-db) and the periodic jobs of "
        "every app (core.scheduler). Start as many as you like on PostgreSQL."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch",
            action="store_true",
            help="run the due jobs once, then what is ready, then stop",
        )
        parser.add_argument(
            "--max-tasks", type=int, default=None, help="stop after this many tasks"
        )
        parser.add_argument(
            "--interval", type=float, default=1.0, help="seconds between looks at an empty queue"
        )
        parser.add_argument(
            "--schedule-every",
            type=float,
            default=15.0,
            help="seconds between rounds of the periodic jobs",
        )
        parser.add_argument(
            "--no-schedule", action="store_true", help="run tasks only, no periodic job"
        )
        parser.add_argument(
            "--queue-name", default="*", help="queues to work on, comma separated (* for all)"
        )
        parser.add_argument(
            "--worker-id", default="", help="a unique name for this worker (64 characters at most)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if len(options["worker_id"]) > 64:
            raise CommandError("--worker-id: 64 characters at most.")
        announce_setup(self.stdout)
        work(
            batch=options["batch"],
            max_tasks=options["max_tasks"],
            interval=options["interval"],
            schedule=not options["no_schedule"],
            schedule_every=options["schedule_every"],
            queue_names=options["queue_name"].split(","),
            worker_id=options["worker_id"],
        )
