from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "sustain.accounts"
    label = "accounts"
    verbose_name = "People and permissions"
