from django.apps import AppConfig


class MaintenanceConfig(AppConfig):
    name = "sustain.maintenance"
    label = "maintenance"
    verbose_name = "Maintenance windows"

    def ready(self) -> None:
        from sustain.accounts import audit
        from sustain.accounts.planned_work import PlannedWorkSource, register_planned_work
        from sustain.maintenance import conflicts, planned_work
        from sustain.maintenance.models import FeedKey
        from sustain.releases.rollouts.checks import on_rollout_planned

        # Calendar keys open a feed without signing in: created and revoked ones are audited.
        audit.register_target(FeedKey, "calendar_key")
        # The workload view counts the hours of the windows each person owns.
        register_planned_work(PlannedWorkSource(planned_work.NAME, planned_work.owned_window_hours))
        # A rollout planned outside every window of its product is shown, or refused.
        on_rollout_planned(conflicts.rollout_outside_windows)
