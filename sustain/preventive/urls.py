"""Preventive-maintenance pages of the agent workspace, mounted at /preventive/."""

from django.urls import URLPattern, URLResolver, path

from sustain.preventive import views

app_name = "preventive"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.schedule_list, name="list"),
    path("new", views.edit, name="new"),
    path("<id:schedule_id>/", views.detail, name="detail"),
    path("<id:schedule_id>/edit", views.edit, name="edit"),
    path("<id:schedule_id>/skip", views.skip, name="skip"),
    path("<id:schedule_id>/active", views.set_active, name="active"),
    path("<id:schedule_id>/delete", views.delete, name="delete"),
]
