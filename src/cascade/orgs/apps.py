from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "cascade.orgs"
    verbose_name = "Organisations"
