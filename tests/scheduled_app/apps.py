from datetime import datetime, timedelta

from django.apps import AppConfig

RUNS: list[datetime] = []


def remind(now: datetime) -> int:
    RUNS.append(now)
    return len(RUNS)


class ScheduledAppConfig(AppConfig):
    name = "tests.scheduled_app"
    label = "scheduled_app"

    def ready(self) -> None:
        from cascade.core import scheduler

        scheduler.register("scheduled_app.reminders", remind, every=timedelta(hours=1))
