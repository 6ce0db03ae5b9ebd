from django.apps import AppConfig


class KbConfig(AppConfig):
    name = "sustain.kb"
    label = "kb"
    verbose_name = "Knowledge base"
