"""Knowledge-base pages, mounted at /kb/ (public: anonymous visitors read public articles)."""

from django.urls import URLPattern, path

from sustain.kb import views

app_name = "kb"

urlpatterns: list[URLPattern] = [
    path("", views.index, name="index"),
    path("<slug:slug>", views.article, name="article"),
    path("<slug:slug>/vote", views.vote, name="vote"),
]
