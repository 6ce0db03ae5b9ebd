from django.urls import URLPattern, URLResolver, path

from sustain.backups import views

app_name = "backups"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.backup_list, name="list"),
    path("run", views.backup_now, name="run"),
]
