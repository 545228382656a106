from django.urls import path

from recordings import views

app_name = "recordings"
urlpatterns = [
    path("apps/", views.app_list, name="app_list"),
    path("apps/new/", views.app_create, name="app_create"),
    path("apps/<int:pk>/edit/", views.app_edit, name="app_edit"),
]
