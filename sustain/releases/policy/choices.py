"""Choices of update policies and deprecation notices."""

from __future__ import annotations

from django.db import models


class UpdateChannel(models.TextChoices):
    """A channel of releases a product's policy supports.

    stable: the newest maintained release — a customer is measured against the product's
    latest supported version. lts: a customer on a maintained long-term-support line is
    measured against the latest version of that line instead.
    """

    STABLE = "stable", "Stable (latest release)"
    LTS = "lts", "Long-term support lines"


class UpdateDelivery(models.TextChoices):
    SELF_SERVICE = "self_service", "Customers download and install"
    MANAGED = "managed", "We install in a maintenance window"
    AUTOMATIC = "automatic", "Automatic updates"
    ON_REQUEST = "on_request", "On request"
