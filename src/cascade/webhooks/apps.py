from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "cascade.webhooks"

    def ready(self) -> None:
        from cascade.audit import listeners
        from cascade.core import scheduler
        from cascade.webhooks import outbox, tasks

        listeners.listen(outbox.recorded)
        scheduler.register("webhooks.due_deliveries", tasks.queue_due, every=tasks.ROUND)
