from django.apps import AppConfig


class PreventiveConfig(AppConfig):
    name = "sustain.preventive"
    label = "preventive"
    verbose_name = "Preventive maintenance"

    def ready(self) -> None:
        from sustain.preventive.completion import ticket_changed
        from sustain.tickets.hooks import on_ticket_changed

        # A resolved or closed occurrence ticket completes its occurrence.
        on_ticket_changed(ticket_changed)
