from django.urls import URLPattern, URLResolver, path

from sustain.sla import views

app_name = "sla"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("report/", views.report, name="report"),
    path("calendars/new/", views.calendar_form, name="calendar_new"),
    path("calendars/<id:calendar_id>/", views.calendar_form, name="calendar"),
    path("calendars/<id:calendar_id>/delete/", views.calendar_delete, name="calendar_delete"),
    path("policies/new/", views.policy_form, name="policy_new"),
    path("policies/<id:policy_id>/", views.policy_form, name="policy"),
    path("policies/<id:policy_id>/delete/", views.policy_delete, name="policy_delete"),
]
