"""The webhooks' pages, included under /o/<slug>/ from ``cascade.web.people_urls``.

Settings URLs start with "settings" so that the navigation marks the Settings tab.
"""

from django.urls import path

from cascade.webhooks import views

urlpatterns = [
    path("settings/webhooks/", views.endpoints, name="settings-webhooks"),
    path("settings/webhooks/<int:endpoint_id>/", views.endpoint, name="settings-webhook"),
    path(
        "settings/webhooks/<int:endpoint_id>/switch/",
        views.switch,
        name="settings-webhook-switch",
    ),
    path(
        "settings/webhooks/<int:endpoint_id>/remove/",
        views.remove,
        name="settings-webhook-remove",
    ),
    path(
        "settings/webhook-deliveries/<int:delivery_id>/replay/",
        views.replay,
        name="settings-webhook-replay",
    ),
]
