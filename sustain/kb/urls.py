"""Knowledge-base pages, mounted at /kb/ (public: anonymous visitors read public articles).

The staff editor lives under /kb/manage/; its paths come first so that they are never taken
for an article's slug.
"""

from django.urls import URLPattern, path

from sustain.kb import editor, views

app_name = "kb"

urlpatterns: list[URLPattern] = [
    path("manage/", editor.article_list, name="manage"),
    path("manage/new", editor.article_new, name="manage_new"),
    path("manage/preview", editor.preview, name="manage_preview"),
    path("manage/<id:article_id>/", editor.article_edit, name="manage_edit"),
    path("manage/<id:article_id>/status", editor.transition, name="manage_transition"),
    path("manage/<id:article_id>/files", editor.upload, name="manage_upload"),
    path(
        "manage/<id:article_id>/files/<id:attachment_id>/delete",
        editor.delete_file,
        name="manage_delete_file",
    ),
    path("manage/<id:article_id>/revisions", editor.revision_list, name="manage_revisions"),
    path("manage/<id:article_id>/diff", editor.diff, name="manage_diff"),
    path(
        "manage/<id:article_id>/revisions/<id:number>/restore",
        editor.restore,
        name="manage_restore",
    ),
    path("", views.index, name="index"),
    path("<slug:slug>", views.article, name="article"),
    path("<slug:slug>/vote", views.vote, name="vote"),
    path("<slug:slug>/files/<id:attachment_id>/<str:filename>", views.file, name="file"),
]
