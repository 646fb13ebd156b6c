from django.contrib import admin
from django.urls import include, path

from cascade.accounts.signin_limits import LimitedAdminAuthenticationForm

# The admin's login has the same sign-in limits as the web login and the API.
admin.site.login_form = LimitedAdminAuthenticationForm

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("cascade.api.urls")),
    path("", include("cascade.web.urls")),
]

handler500 = "cascade.web.views.errors.server_error"
