from django.apps import AppConfig


class ReleasesConfig(AppConfig):
    name = "sustain.releases"
    label = "releases"
    verbose_name = "Products and releases"

    def ready(self) -> None:
        from sustain.releases.deployments.apps import ready as deployments_ready

        deployments_ready()
