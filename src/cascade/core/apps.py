from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "cascade.core"
    label = "core"
    verbose_name = "Background work"

    def ready(self) -> None:
        from cascade.core import heartbeats, scheduler

        scheduler.register(
            "core.orphaned_tasks", heartbeats.fail_orphaned_tasks, every=scheduler.ROUND
        )
