"""Release note pages, mounted at /releases/: public notes and feeds, and the staff's editor
under /releases/manage/."""

from django.urls import URLPattern, path

from sustain.releases import release_views as views
from sustain.releases.release_feeds import ProductReleasesFeed

app_name = "releases"

urlpatterns: list[URLPattern] = [
    path("", views.public_list, name="public_list"),
    path("<id:release_id>", views.public_detail, name="public"),
    path("products/<id:product_id>/feed.atom", ProductReleasesFeed(), name="feed"),
    path("manage/", views.manage_list, name="manage"),
    path("manage/new", views.manage_new, name="manage_new"),
    path("manage/preview", views.preview, name="preview"),
    path("manage/<id:release_id>/", views.edit, name="edit"),
    path("manage/<id:release_id>/draft", views.redraft, name="redraft"),
    path("manage/<id:release_id>/publish", views.publish, name="publish"),
]
