from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "sustain.core"
    label = "core"
    verbose_name = "Core plumbing"
