from django.apps import AppConfig


class MaintenanceConfig(AppConfig):
    name = "sustain.maintenance"
    label = "maintenance"
    verbose_name = "Maintenance windows"
