from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "sustain.sla"
    label = "sla"
    verbose_name = "SLA"

    def ready(self) -> None:
        from sustain.sla.engine import refresh_clocks
        from sustain.sla.filters import BREACHING
        from sustain.sla.panels import PANEL
        from sustain.tickets.filters import register_filter
        from sustain.tickets.hooks import on_ticket_changed
        from sustain.tickets.panels import register_panel

        on_ticket_changed(refresh_clocks)
        register_panel(PANEL)
        register_filter(BREACHING)
