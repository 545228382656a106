from django.urls import path

from recordings import views

app_name = "recordings"
urlpatterns = [
    path("apps/", views.app_list, name="app_list"),
    path("apps/new/", views.app_create, name="app_create"),
    path("apps/<int:pk>/edit/", views.app_edit, name="app_edit"),
    path("rooms/", views.room_list, name="room_list"),
    path("rooms/add/<int:app_pk>/", views.room_add, name="room_add"),
    path("rooms/<int:pk>/start/", views.room_start, name="room_start"),
    path("recordings/", views.task_list, name="task_list"),
    path("recordings/<int:pk>/", views.task_detail, name="task_detail"),
    path(
        "recordings/<int:pk>/<str:action>/",
        views.task_control,
        name="task_control",
    ),
    path("callbacks/zego/<str:app_id>/", views.zego_callback, name="zego_callback"),
]
