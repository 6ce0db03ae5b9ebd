"""The demo's update policies and deprecation notices, set through the policy services as the
engineers would: Fleetwise customers are expected on the newest minor version (so the
customers a version behind show in the report), LedgerOne's within 90 days of a newer release;
Fleetwise announces the removal of its SOAP API in 4.0 (the portal shows it to the customers
still before 4.0)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from sustain.accounts.models import User
from sustain.catalog.models import Product, Version
from sustain.releases.policy.choices import UpdateChannel, UpdateDelivery
from sustain.releases.policy.services import (
    DeprecationData,
    PolicyData,
    create_deprecation,
    set_policy,
)


def create_update_policies(actor: User) -> None:
    products = {p.name: p for p in Product.objects.filter(name__in=["Fleetwise", "LedgerOne"])}
    fleetwise, ledger = products.get("Fleetwise"), products.get("LedgerOne")
    if fleetwise is not None:
        set_policy(
            actor=actor,
            product=fleetwise,
            data=PolicyData(
                channels=[UpdateChannel.STABLE],
                max_minor_behind=0,
                max_days_behind=60,
                delivery=UpdateDelivery.MANAGED,
                delivery_notes="Installed by our team in the monthly maintenance window.",
            ),
        )
        removed_in = Version.objects.filter(product=fleetwise, name="4.0").first()
        create_deprecation(
            actor=actor,
            product=fleetwise,
            data=DeprecationData(
                feature="SOAP tracking API",
                announced_on=timezone.localdate() - timedelta(days=30),
                removed_in=removed_in,
                text="The SOAP endpoints are replaced by the REST tracking API; see the migration "
                "guide in the help articles.",
            ),
        )
    if ledger is not None:
        set_policy(
            actor=actor,
            product=ledger,
            data=PolicyData(
                channels=[UpdateChannel.STABLE, UpdateChannel.LTS],
                max_days_behind=90,
                delivery=UpdateDelivery.SELF_SERVICE,
            ),
        )
