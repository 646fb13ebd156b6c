from typing import Any

from django.apps import AppConfig
from django.core.management import call_command
from django.db.models.signals import post_migrate


def create_cache_table(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """The database cache's table (settings.CACHES) is no migration of its own: ``migrate``
    creates it, so a fresh install and every test database have it. Nothing when it exists."""
    call_command("createcachetable", database=using, verbosity=0)


class AccountsConfig(AppConfig):
    name = "cascade.accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_login_failed

        from cascade.accounts import signin_audit
        from cascade.accounts.signals import password_changed

        post_migrate.connect(create_cache_table, sender=self)
        user_login_failed.connect(signin_audit.on_login_failed, dispatch_uid="cascade-signin")
        password_changed.connect(signin_audit.on_password_changed, dispatch_uid="cascade-password")
