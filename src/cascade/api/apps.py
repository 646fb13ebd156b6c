from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "cascade.api"
    verbose_name = "API"
