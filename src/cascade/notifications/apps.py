from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "cascade.notifications"

    def ready(self) -> None:
        from cascade.core import scheduler
        from cascade.notifications import digests, reminders

        scheduler.register("notifications.reminders", reminders.send_due, every=reminders.SLOT)
        scheduler.register("notifications.digests", digests.send_due, every=digests.SLOT)
