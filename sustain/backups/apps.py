from django.apps import AppConfig


class BackupsConfig(AppConfig):
    name = "sustain.backups"
    label = "backups"
    verbose_name = "Backups"
