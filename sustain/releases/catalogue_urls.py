from django.urls import URLPattern, URLResolver, path

from sustain.releases import catalogue_views as views
from sustain.releases.upgrades import views as upgrades

app_name = "products"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.products, name="products"),
    path("new/", views.product_form, name="product_new"),
    path("<id:product_id>/", views.product, name="product"),
    path("<id:product_id>/edit/", views.product_form, name="product_edit"),
    path("<id:product_id>/components/", views.add_component, name="add_component"),
    path("<id:product_id>/versions/", views.add_version, name="add_version"),
    path("<id:product_id>/lines/new/", views.line_form, name="line_new"),
    path("<id:product_id>/lines/<id:line_id>/", views.line_form, name="line"),
    path("<id:product_id>/lines/<id:line_id>/delete/", views.line_delete, name="line_delete"),
    path("<id:product_id>/lifecycle/import/", views.import_form, name="import"),
    path("<id:product_id>/lifecycle.yaml", views.export, {"fmt": "yaml"}, name="export_yaml"),
    path("<id:product_id>/lifecycle.json", views.export, {"fmt": "json"}, name="export_json"),
    path("<id:product_id>/lifecycle.ics", views.ical_feed, name="ical"),
    path("<id:product_id>/upgrades/", upgrades.graph, name="upgrades"),
    path("<id:product_id>/upgrades/new", upgrades.add_edge, name="upgrade_new"),
    path("<id:product_id>/upgrades/<id:edge_id>/", upgrades.edit_edge, name="upgrade"),
    path(
        "<id:product_id>/upgrades/<id:edge_id>/delete", upgrades.delete_edge, name="upgrade_delete"
    ),
]
