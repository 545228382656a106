from django.urls import path

from policies import views

app_name = "policies"
urlpatterns = [
    path("", views.policy_list, name="list"),
    path("new/", views.policy_create, name="create"),
    path("<int:pk>/edit/", views.policy_edit, name="edit"),
    path("<int:pk>/enabled/", views.policy_toggle, name="toggle"),
    path("<int:pk>/delete/", views.policy_delete, name="delete"),
]
