"""Helpers of the settings view tests."""

from __future__ import annotations

from typing import Any

from django.test import Client

from sustain.accounts.models import User


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def body(response: Any) -> str:
    return str(response.content.decode())
