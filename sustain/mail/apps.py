from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "sustain.mail"
    label = "mail"
    verbose_name = "E-mail"

    def ready(self) -> None:
        from sustain.accounts import audit
        from sustain.mail.models import Mailbox

        # Mailboxes hold credentials: their changes go to the audit log of access.
        audit.register_target(Mailbox, "mailbox")
