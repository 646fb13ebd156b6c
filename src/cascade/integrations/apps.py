from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "cascade.integrations"
    verbose_name = "Data sources"

    def ready(self) -> None:
        from cascade.core import scheduler
        from cascade.integrations import interruptions, scheduling

        # In this order, each round: the runs of dead workers are closed (and queued again)
        # before the due bindings are looked at, so a freed binding is not skipped.
        scheduler.register(
            "integrations.interrupted_runs", interruptions.close_stale_runs, every=scheduler.ROUND
        )
        scheduler.register(
            "integrations.due_syncs", scheduling.enqueue_due_syncs, every=scheduler.ROUND
        )
