from django.urls import path

from monitoring import views

app_name = "monitoring"
urlpatterns = [
    path("alerts/", views.alert_list, name="alert_list"),
    path("alerts/rules/", views.rule_list, name="rule_list"),
    path("alerts/rules/new/", views.rule_create, name="rule_create"),
    path("alerts/rules/<int:pk>/edit/", views.rule_edit, name="rule_edit"),
    path("alerts/rules/<int:pk>/delete/", views.rule_delete, name="rule_delete"),
    path("alerts/rules/<int:pk>/test/", views.rule_test, name="rule_test"),
    path("metrics", views.metrics, name="metrics"),
]
