from django.apps import AppConfig


class OncallConfig(AppConfig):
    name = "sustain.oncall"
    label = "oncall"
    verbose_name = "On-call and workload"

    def ready(self) -> None:
        from sustain.accounts import audit
        from sustain.accounts.on_call import register_on_call_resolver
        from sustain.oncall.models import CalendarFeed
        from sustain.oncall.selectors import on_call

        # A calendar address opens a schedule without signing in: its making and revoking
        # are in the audit log.
        audit.register_target(CalendarFeed, "calendar_feed")

        # SLA escalations (and, later, monitoring) ask accounts who is on call for a team.
        register_on_call_resolver(on_call)
