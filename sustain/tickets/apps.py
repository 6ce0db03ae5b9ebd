from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "sustain.tickets"
    label = "tickets"
    verbose_name = "Tickets"
