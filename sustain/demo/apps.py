from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo help desk (`sustain demo`): the top layer, so it may use every app's services."""

    name = "sustain.demo"
    label = "demo"
    verbose_name = "Demo data"
