from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "cascade.integrations"
    verbose_name = "Data sources"
