"""The demo's maintenance windows: a weekly patch night on the first product and a monthly
window on the second ("second Tuesday"), planned through the maintenance service, with their
checklists; the customers deploying them see them in the portal."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

from sustain.accounts.models import User
from sustain.catalog.models import Product
from sustain.maintenance.services import WindowSpec, plan_window


def create_maintenance(actor: User) -> None:
    products = list(Product.objects.order_by("pk")[:2])
    if not products:
        return
    today = timezone.localdate()
    sunday = today + timedelta(days=6 - today.weekday())
    plan_window(
        actor=actor,
        creator=actor,
        spec=WindowSpec(
            title=f"{products[0].name} patch night",
            start=datetime.combine(sunday, time(2)),
            time_zone="Europe/Amsterdam",
            duration="PT2H",
            rrule="FREQ=WEEKLY;BYDAY=SU",
            product_ids=[products[0].pk],
            activities=["Apply OS and database patches", "Restart services", "Smoke test"],
            owner_id=actor.pk,
            description="Short interruptions of a few minutes are possible.",
        ),
    )
    if len(products) > 1:
        plan_window(
            actor=actor,
            creator=actor,
            spec=WindowSpec(
                title=f"{products[1].name} monthly upgrade",
                start=datetime.combine(today.replace(day=1), time(22)),
                time_zone="Europe/Amsterdam",
                duration="PT3H",
                rrule="FREQ=MONTHLY;BYDAY=2TU",
                product_ids=[products[1].pk],
                activities=["Back up", "Upgrade to the latest patch release", "Verify"],
                owner_id=actor.pk,
            ),
        )
