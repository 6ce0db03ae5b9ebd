"""The customer portal, mounted at /portal/."""

from django.urls import URLPattern, URLResolver, path, re_path

from sustain.portal import deployments, maintenance, releases, suggestions, views

app_name = "portal"

_TICKET = r"tickets/(?P<ref>[A-Za-z]+-\d+)"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("new", views.new, name="new"),
    path("new/suggestions", suggestions.suggestions, name="suggestions"),
    re_path(rf"^{_TICKET}$", views.detail, name="detail"),
    re_path(rf"^{_TICKET}/reply$", views.reply, name="reply"),
    re_path(rf"^{_TICKET}/status$", views.change_status, name="status"),
    path("attachments/<id:pk>", views.attachment, name="attachment"),
    path("releases/", releases.release_list, name="releases"),
    path("releases/<id:release_id>", releases.release_detail, name="release"),
    path("maintenance/", maintenance.upcoming, name="maintenance"),
    path("maintenance/subscribe", maintenance.subscribe, name="maintenance_subscribe"),
    path("deployments/", deployments.deployments, name="deployments"),
    path("deployments/<id:deployment_id>/remove", deployments.remove, name="deployment_remove"),
    path("deployments/hooks/", deployments.create_hook, name="deployment_hooks"),
    path(
        "deployments/hooks/<id:hook_id>/revoke",
        deployments.revoke_hook,
        name="deployment_hook_revoke",
    ),
]
