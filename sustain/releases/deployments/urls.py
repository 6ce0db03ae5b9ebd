"""Deployment pages of the agent workspace, mounted at /deployments/."""

from django.urls import URLPattern, URLResolver, path

from sustain.releases.deployments import views

app_name = "deployments"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.matrix, name="matrix"),
    path("organisations/<id:organisation_id>/", views.organisation, name="organisation"),
    path(
        "organisations/<id:organisation_id>/<id:deployment_id>/remove",
        views.remove,
        name="remove",
    ),
    path("organisations/<id:organisation_id>/hooks/", views.create_hook, name="hook_create"),
    path(
        "organisations/<id:organisation_id>/hooks/<id:hook_id>/revoke",
        views.revoke_hook,
        name="hook_revoke",
    ),
]
