"""Update-policy pages, mounted at /update-policy/."""

from django.urls import URLPattern, URLResolver, path

from sustain.releases.policy import views

app_name = "policy"

urlpatterns: list[URLPattern | URLResolver] = [
    path("behind/", views.behind_report, name="behind"),
    path("end-of-life/", views.eol_report, name="eol"),
    path("products/<id:product_id>/", views.policy_form, name="policy"),
    path("products/<id:product_id>/delete/", views.policy_delete, name="policy_delete"),
    path(
        "products/<id:product_id>/deprecations/new/", views.deprecation_form, name="deprecation_new"
    ),
    path(
        "products/<id:product_id>/deprecations/<id:notice_id>/",
        views.deprecation_form,
        name="deprecation",
    ),
    path(
        "products/<id:product_id>/deprecations/<id:notice_id>/delete/",
        views.deprecation_delete,
        name="deprecation_delete",
    ),
    path("organisations/<id:organisation_id>/", views.organisation, name="organisation"),
    path(
        "organisations/<id:organisation_id>/lifecycle.ics",
        views.organisation_feed,
        name="organisation_feed",
    ),
]
