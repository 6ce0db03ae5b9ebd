from django.apps import AppConfig


class MaintenanceConfig(AppConfig):
    name = "sustain.maintenance"
    label = "maintenance"
    verbose_name = "Maintenance windows"

    def ready(self) -> None:
        from sustain.accounts import audit
        from sustain.maintenance.models import FeedKey

        # Calendar keys open a feed without signing in: created and revoked ones are audited.
        audit.register_target(FeedKey, "calendar_key")
