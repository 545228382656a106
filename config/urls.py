from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("core.urls")),
    path("accounts/", include("accounts.urls")),
    path("", include("recordings.urls")),
    path("storage/", include("storage_profiles.urls")),
    path("", include("playback.urls")),
    path("", include("monitoring.urls")),
    path("", include("api.urls")),
    path("policies/", include("policies.urls")),
    path("admin/", admin.site.urls),
]
