from django.urls import path

from recordings import layout_views, retention_views, views

app_name = "recordings"
urlpatterns = [
    path("apps/", views.app_list, name="app_list"),
    path("apps/new/", views.app_create, name="app_create"),
    path("apps/<int:pk>/edit/", views.app_edit, name="app_edit"),
    path("apps/<int:app_pk>/retention/", retention_views.retention_page, name="retention"),
    path("recordings/<int:pk>/legal-hold/", retention_views.legal_hold, name="legal_hold"),
    path("rooms/", views.room_list, name="room_list"),
    path("rooms/add/<int:app_pk>/", views.room_add, name="room_add"),
    path("rooms/<int:pk>/start/", views.room_start, name="room_start"),
    path("rooms/<int:pk>/start/cost/", views.start_cost, name="start_cost"),
    path("usage/", retention_views.usage, name="usage"),
    path("recordings/", views.task_list, name="task_list"),
    path("recordings/<int:pk>/", views.task_detail, name="task_detail"),
    # Layout editor (issue 7); before task_control, whose <str:action> would swallow "layout".
    path("recordings/<int:pk>/layout/", layout_views.layout_editor, name="layout_editor"),
    path("recordings/<int:pk>/layout/apply/", layout_views.layout_apply, name="layout_apply"),
    path("apps/<int:app_pk>/layout-presets/", layout_views.layout_presets, name="layout_presets"),
    path(
        "layout-presets/<int:pk>/delete/",
        layout_views.layout_preset_delete,
        name="layout_preset_delete",
    ),
    path(
        "recordings/<int:pk>/<str:action>/",
        views.task_control,
        name="task_control",
    ),
    path("callbacks/zego/<str:app_id>/", views.zego_callback, name="zego_callback"),
]
