"""``sustain maintenance list | create``: maintenance windows for operators (thin callers of
the maintenance services, as the operator)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from sustain.catalog.models import Component, Product
from sustain.core.errors import ServiceError
from sustain.core.permissions import OPERATOR
from sustain.maintenance import selectors, services
from sustain.maintenance.models import MaintenanceWindow


class Command(BaseCommand):
    help = "List maintenance windows and their coming instances, or plan one."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="command", required=True)
        listing = commands.add_parser("list", help="the instances of the coming days")
        listing.add_argument("--days", type=int, default=30)
        create = commands.add_parser("create", help="plan a window (prints its conflicts)")
        create.add_argument("title")
        create.add_argument("--start", required=True, help="local wall time: 2027-03-07T02:00")
        create.add_argument("--zone", default="UTC", help="time zone, e.g. Europe/Berlin")
        create.add_argument("--duration", default="PT2H", help="RFC 5545: PT2H, P1D …")
        create.add_argument("--rrule", default="", help="e.g. FREQ=WEEKLY;BYDAY=SU")
        create.add_argument("--product", action="append", default=[], help="product name")
        create.add_argument(
            "--component", action="append", default=[], help="PRODUCT/COMPONENT by name"
        )
        create.add_argument("--activity", action="append", default=[], help="a planned activity")

    def handle(self, *args: Any, command: str, **options: Any) -> None:
        try:
            getattr(self, f"_{command}")(**options)
        except ServiceError as exc:
            lines = [exc.detail] + [
                f"  {where}: {message}" for where, found in exc.errors.items() for message in found
            ]
            raise CommandError("\n".join(lines)) from None

    def _list(self, **options: Any) -> None:
        days = options["days"]
        if not 1 <= days <= 400:
            raise CommandError("--days must be 1 to 400.")
        now = timezone.now()
        found = selectors.entries(MaintenanceWindow.objects.all(), now, now + timedelta(days=days))
        if not found:
            self.stdout.write(f"No maintenance in the next {days} days.")
        for entry in found:
            self.stdout.write(
                f"{entry.start:%Y-%m-%d %H:%M}–{entry.end:%H:%M} UTC  #{entry.window.pk}  "
                f"{entry.window.title}"
            )

    def _create(self, **options: Any) -> None:
        try:
            start = datetime.fromisoformat(options["start"])
        except ValueError:
            raise CommandError(
                f"--start {options['start']!r} is not like 2027-03-07T02:00."
            ) from None
        planned = services.plan_window(
            actor=OPERATOR,
            spec=services.WindowSpec(
                title=options["title"],
                start=start,
                time_zone=options["zone"],
                duration=options["duration"],
                rrule=options["rrule"],
                product_ids=[_product(name).pk for name in options["product"]],
                component_ids=[_component(text).pk for text in options["component"]],
                activities=options["activity"],
            ),
        )
        window = planned.window
        self.stdout.write(
            f"Planned #{window.pk} {window.title}, first {window.first_start:%Y-%m-%d %H:%M} UTC."
        )
        for found in planned.warnings:
            self.stdout.write(f"  warning ({found.kind}): {found.message}")


def _product(name: str) -> Product:
    found = Product.objects.filter(name=name).first()
    if found is None:
        raise CommandError(f"No product named {name!r}.")
    return found


def _component(text: str) -> Component:
    product, _, name = text.partition("/")
    found = Component.objects.filter(product__name=product.strip(), name=name.strip()).first()
    if found is None:
        raise CommandError(f"No component {text!r} (give PRODUCT/COMPONENT).")
    return found
