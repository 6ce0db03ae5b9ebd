from django.apps import AppConfig


class KbConfig(AppConfig):
    name = "sustain.kb"
    label = "kb"
    verbose_name = "Knowledge base"

    def ready(self) -> None:
        from sustain.kb.panels import PANEL
        from sustain.kb.usage import link_articles_in_message
        from sustain.tickets.hooks import on_message_added
        from sustain.tickets.panels import register_panel

        on_message_added(link_articles_in_message)
        register_panel(PANEL)
