from django.apps import AppConfig
from django.urls import register_converter


class CoreConfig(AppConfig):
    name = "sustain.core"
    label = "core"
    verbose_name = "Core plumbing"

    def ready(self) -> None:
        from sustain.core.ids import IdConverter

        # Before any URL map is read: every app's pages take ids as <id:...>.
        register_converter(IdConverter, "id")
