from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "sustain.tickets"
    label = "tickets"
    verbose_name = "Tickets"

    def ready(self) -> None:
        from sustain.core.metrics import register_state_metric
        from sustain.tickets.metrics import tickets_by_status

        register_state_metric("tickets", tickets_by_status)
