"""Maintenance pages of the agent workspace, mounted at /maintenance/."""

from django.urls import URLPattern, URLResolver, path

from sustain.maintenance import views

app_name = "maintenance"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.calendar, name="calendar"),
    path("windows/new", views.new_window, name="new"),
    path("windows/check", views.check, name="check"),
    path("windows/<id:window_id>/", views.window, name="window"),
    path("windows/<id:window_id>/cancel", views.cancel, name="cancel"),
    path("adhoc", views.adhoc, name="adhoc"),
    path("freezes/", views.freezes, name="freezes"),
    path("feeds/", views.feeds, name="feeds"),
    path("feeds/<id:key_id>/revoke", views.revoke_feed, name="revoke_feed"),
    path("feeds/<str:key>.ics", views.feed, name="feed"),
    path("freezes/<id:freeze_id>/delete", views.delete_freeze, name="delete_freeze"),
]
