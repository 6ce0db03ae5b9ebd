from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "sustain.catalog"
    label = "catalog"
    verbose_name = "Product catalogue"
