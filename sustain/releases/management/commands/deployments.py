"""``sustain deployments set | remove | list | import FILE | hook NAME``: deployments for
operators (each a thin caller of the deployments services; the history records "cli")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sustain.accounts.models import Organisation
from sustain.catalog.models import Product, Version
from sustain.core.errors import ServiceError
from sustain.releases.deployments import imports, selectors, services, webhooks
from sustain.releases.deployments.choices import DeploymentChannel
from sustain.releases.deployments.models import Deployment
from sustain.releases.lifecycle import site_today


class Command(BaseCommand):
    help = "Set, remove, list or import deployments; create a deployment webhook."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="command", required=True)
        put = commands.add_parser("set", help="ORGANISATION runs PRODUCT VERSION")
        put.add_argument("organisation")
        put.add_argument("product")
        put.add_argument("version")
        put.add_argument("--environment", default=None)
        put.add_argument("--note", default="")
        remove = commands.add_parser("remove", help="ORGANISATION no longer runs PRODUCT")
        remove.add_argument("organisation")
        remove.add_argument("product")
        remove.add_argument("--environment", default=None)
        remove.add_argument("--note", default="")
        listing = commands.add_parser("list", help="current deployments of a product")
        listing.add_argument("product")
        listing.add_argument("--environment", default=None)
        listing.add_argument("--phase", default=None, help="a support phase, e.g. eol")
        load = commands.add_parser(
            "import", help="a CSV file: organisation,product,version[,environment,note]"
        )
        load.add_argument("file", type=Path)
        hook = commands.add_parser("hook", help="create a webhook; prints its secret once")
        hook.add_argument("name")
        hook.add_argument("--organisation", default=None)
        hook.add_argument("--product", default=None)

    def handle(self, *args: Any, command: str, **options: Any) -> None:
        try:
            getattr(self, f"_{command}")(**options)
        except ServiceError as exc:
            lines = [exc.detail] + [
                f"  {where}: {message}" for where, found in exc.errors.items() for message in found
            ]
            raise CommandError("\n".join(lines)) from None

    def _set(self, **options: Any) -> None:
        organisation = _organisation(options["organisation"])
        product = _product(options["product"])
        version = Version.objects.filter(product=product, name=options["version"]).first()
        if version is None:
            raise CommandError(f"{product.name} has no version {options['version']!r}.")
        outcome = services.set_deployment(
            actor=None,
            organisation=organisation,
            version=version,
            environment=options["environment"],
            note=options["note"],
            channel=DeploymentChannel.CLI,
        )
        deployment = outcome.deployment
        assert deployment is not None
        done = "now runs" if outcome.changed else "already ran"
        self.stdout.write(
            f"{organisation.name} {done} {product.name} {version.name} in {deployment.environment}."
        )

    def _remove(self, **options: Any) -> None:
        organisation = _organisation(options["organisation"])
        product = _product(options["product"])
        outcome = services.remove_deployment(
            actor=None,
            organisation=organisation,
            product=product,
            environment=options["environment"],
            note=options["note"],
            channel=DeploymentChannel.CLI,
        )
        self.stdout.write("Removed." if outcome.changed else "Nothing to remove.")

    def _list(self, **options: Any) -> None:
        product = _product(options["product"])
        rows = Deployment.objects.filter(product=product).select_related("organisation", "version")
        if options["environment"]:
            rows = rows.filter(environment=options["environment"])
        if phase := selectors.check_phase(options["phase"]):
            rows = selectors.in_phase(rows, phase, site_today())
        for row in rows.order_by("organisation__name", "environment"):
            self.stdout.write(f"{row.organisation.name}\t{row.environment}\t{row.version.name}")

    def _import(self, **options: Any) -> None:
        path: Path = options["file"]
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from None
        result = imports.import_csv(text)
        self.stdout.write(f"Imported {result.rows} rows; {result.changed} deployments changed.")

    def _hook(self, **options: Any) -> None:
        organisation = _organisation(options["organisation"]) if options["organisation"] else None
        product = _product(options["product"]) if options["product"] else None
        hook, secret = webhooks.create_hook(
            actor=None, name=options["name"], organisation=organisation, product=product
        )
        self.stdout.write(
            f"Webhook {hook.pk} ({hook.name}): POST /api/v1/deployment-hooks/{hook.pk}/deliveries"
        )
        self.stdout.write(f"Secret (shown once): {secret}")


def _organisation(name: str) -> Organisation:
    found = Organisation.objects.filter(name=name).first()
    if found is None:
        raise CommandError(f"There is no organisation named {name!r}.")
    return found


def _product(name: str) -> Product:
    found = Product.objects.filter(name=name).first()
    if found is None:
        raise CommandError(f"There is no product named {name!r}.")
    return found
