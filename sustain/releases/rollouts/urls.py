"""Rollout pages of the agent workspace, mounted at /rollouts/."""

from django.urls import URLPattern, URLResolver, path

from sustain.releases.rollouts import views

app_name = "rollouts"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.rollout_list, name="list"),
    path("new", views.plan, name="plan"),
    path("<id:rollout_id>/", views.detail, name="detail"),
    path("<id:rollout_id>/transition", views.transition, name="transition"),
    path("<id:rollout_id>/decision", views.decide, name="decide"),
    path("changes/<str:ref>/decision", views.decide_change, name="decide_change"),
]
