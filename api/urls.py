from django.urls import path, re_path

from api import token_views, views
from api.actions import CONTROLS

app_name = "api"
urlpatterns = [
    path("api/v1/openapi.json", views.openapi, name="openapi"),
    path("api/v1/rooms", views.room_list, name="room_list"),
    path("api/v1/rooms/<int:pk>/recordings", views.room_start, name="room_start"),
    path("api/v1/tasks", views.task_list, name="task_list"),
    path("api/v1/tasks/<int:pk>", views.task_detail, name="task_detail"),
    *(
        path(
            f"api/v1/tasks/<int:pk>/{action}",
            views.task_action,
            {"action": action},
            name=f"task_{action}",
        )
        for action in CONTROLS
    ),
    path("api/v1/tasks/<int:pk>/layout", views.task_layout, name="task_layout"),
    path("api/v1/files", views.file_list, name="file_list"),
    path("api/v1/storage-profiles", views.storage_profile_list, name="storage_profile_list"),
    path(
        "api/v1/storage-profiles/<int:pk>",
        views.storage_profile_detail,
        name="storage_profile_detail",
    ),
    # Unnamed on purpose: it serves no view, only the JSON 404 for any other /api/ path.
    re_path(r"^api/", views.not_found),
    path("api-tokens/", token_views.token_list, name="tokens"),
    path("api-tokens/<int:pk>/revoke/", token_views.token_revoke, name="token_revoke"),
]
