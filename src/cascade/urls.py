from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("cascade.api.urls")),
    path("", include("cascade.web.urls")),
]

handler500 = "cascade.web.views.errors.server_error"
