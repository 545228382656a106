from django.urls import path

from storage_profiles import views

app_name = "storage_profiles"
urlpatterns = [
    path("", views.profile_list, name="list"),
    path("new/", views.profile_create, name="create"),
    path("<int:pk>/", views.profile_detail, name="detail"),
    path("<int:pk>/edit/", views.profile_edit, name="edit"),
    path("<int:pk>/duplicate/", views.profile_duplicate, name="duplicate"),
    path("<int:pk>/delete/", views.profile_delete, name="delete"),
    path("<int:pk>/probe/", views.profile_probe, name="probe"),
]
