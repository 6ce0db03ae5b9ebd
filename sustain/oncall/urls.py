"""On-call pages of the agent workspace, mounted at /oncall/."""

from django.urls import URLPattern, URLResolver, path

from sustain.oncall import views

app_name = "oncall"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.now, name="now"),
    path("teams/<id:team_id>/", views.team_page, name="team"),
    path("teams/<id:team_id>/rotations/new", views.rotation_new, name="rotation_new"),
    path("teams/<id:team_id>/overrides", views.override_create, name="override_create"),
    path("teams/<id:team_id>/swaps", views.swap_create, name="swap_create"),
    path("rotations/<id:rotation_id>/", views.rotation_edit, name="rotation_edit"),
    path("rotations/<id:rotation_id>/delete", views.rotation_delete, name="rotation_delete"),
    path("overrides/<id:override_id>/delete", views.override_delete, name="override_delete"),
    path("swaps/<id:swap_id>/decision", views.swap_decide, name="swap_decide"),
    path("fairness", views.fairness_page, name="fairness"),
    path("workload", views.workload_page, name="workload"),
    path("away", views.away_page, name="away"),
    path("away/<id:period_id>/delete", views.away_delete, name="away_delete"),
    path("fairness.csv", views.fairness_csv, name="fairness_csv"),
    path("feeds", views.feed_create, name="feed_create"),
    path("feeds/<str:key>.ics", views.feed, name="feed"),
]
