from django.apps import AppConfig


class ReleasesConfig(AppConfig):
    name = "sustain.releases"
    label = "releases"
    verbose_name = "Products and releases"

    def ready(self) -> None:
        from sustain.releases.deployments.apps import ready as deployments_ready

        deployments_ready()
        from sustain.releases.upgrades.apps import ready as upgrades_ready

        upgrades_ready()
        from sustain.releases.rollouts.apps import ready as rollouts_ready

        rollouts_ready()
        from sustain.releases.support_phases import register as register_support_phases

        register_support_phases()  # the deployments' filter by support phase
        from sustain.catalog.hooks import on_versions_changed, on_versions_rekeyed
        from sustain.releases import line_membership
        from sustain.releases.line_services import sync_end_of_life

        # A version created or renamed takes its end of life from the lines that hold it, and
        # its place in their stored membership (with its key, kept when keys change).
        on_versions_changed(sync_end_of_life)
        on_versions_changed(line_membership.versions_changed)
        on_versions_rekeyed(line_membership.versions_rekeyed)
