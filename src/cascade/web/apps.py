from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "cascade.web"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from cascade.web.middleware import stamp_signed_in_session

        user_logged_in.connect(stamp_signed_in_session, dispatch_uid="cascade-session-seen")
