from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "sustain.portal"
    label = "portal"
    verbose_name = "Portal"
