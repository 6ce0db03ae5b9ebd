from django.apps import AppConfig


class ReleasesConfig(AppConfig):
    name = "sustain.releases"
    label = "releases"
    verbose_name = "Products and releases"
