"""The data sources' pages, included under /o/<slug>/ from ``cascade.web.people_urls``.

Settings URLs start with "settings" so that the navigation marks the Settings tab.
"""

from django.urls import path

from cascade.integrations import views

urlpatterns = [
    path("settings/connections/", views.connections, name="settings-connections"),
    path(
        "settings/connections/new/<str:service>/",
        views.connection_new,
        name="settings-connection-new",
    ),
    path(
        "settings/connections/<int:connection_id>/",
        views.connection_detail,
        name="settings-connection",
    ),
    path(
        "settings/connections/<int:connection_id>/test/",
        views.connection_test,
        name="settings-connection-test",
    ),
    path(
        "settings/connections/<int:connection_id>/remove/",
        views.connection_remove,
        name="settings-connection-remove",
    ),
    path("key-results/<int:kr_id>/data-source/", views.data_source, name="kr-data-source"),
    path(
        "key-results/<int:kr_id>/data-source/remove/",
        views.data_source_remove,
        name="kr-data-source-remove",
    ),
    path("key-results/<int:kr_id>/data-source/sync/", views.sync_now, name="kr-sync-now"),
]
