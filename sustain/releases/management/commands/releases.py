"""``sustain releases``: the catalogue and lifecycles in and out.

    sustain releases import-lifecycle PRODUCT FILE [--dry-run]   endoflife.date YAML or JSON
    sustain releases export-lifecycle PRODUCT [--format yaml|json] [--output FILE]
    sustain releases import-catalogue FILE.csv
    sustain releases export-catalogue [--output FILE.csv]
    sustain releases send-eol-notices [--dry-run]             end-of-life notices due today

PRODUCT is a product's name or id. FILE may be ``-`` for standard input. A refused file
prints every problem (line, field, why) and exits with status 1, having written nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sustain.catalog.models import Product
from sustain.core.errors import ServiceError
from sustain.core.permissions import OPERATOR
from sustain.releases.catalogue_csv import export_catalogue, import_catalogue
from sustain.releases.lifecycle_io import ImportRefused, export_lifecycle, import_lifecycle
from sustain.releases.policy.eol_notices import send_eol_notices


def _product(value: str) -> Product:
    product = Product.objects.filter(name=value).first()
    if product is None and value.isdigit():
        product = Product.objects.filter(pk=int(value)).first()
    if product is None:
        raise CommandError(f"No product named {value!r}.")
    return product


def _read(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"Cannot read {path}: {exc}") from None


class Command(BaseCommand):
    help = "Import and export products, versions and release lifecycles."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser(
            "import-lifecycle", help="Load an endoflife.date release list (YAML or JSON)."
        )
        imp.add_argument("product")
        imp.add_argument("file")
        imp.add_argument("--dry-run", action="store_true", help="Check it; write nothing.")
        exp = sub.add_parser("export-lifecycle", help="Write a product's lifecycle table.")
        exp.add_argument("product")
        exp.add_argument("--format", choices=["yaml", "json"], default="yaml")
        exp.add_argument("--output", "-o")
        csv_in = sub.add_parser("import-catalogue", help="Load products and versions from CSV.")
        csv_in.add_argument("file")
        csv_out = sub.add_parser("export-catalogue", help="Write the catalogue as CSV.")
        csv_out.add_argument("--output", "-o")
        eol = sub.add_parser(
            "send-eol-notices", help="Tell customer admins of the end-of-life notices due today."
        )
        eol.add_argument("--dry-run", action="store_true", help="List them; send nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "import-lifecycle":
                result = import_lifecycle(
                    actor=OPERATOR,
                    product=_product(options["product"]),
                    text=_read(options["file"]),
                    dry_run=options["dry_run"],
                )
                self.stdout.write(result.summary())
            elif action == "export-lifecycle":
                self._write(
                    export_lifecycle(_product(options["product"]), options["format"]),
                    options["output"],
                )
            elif action == "send-eol-notices":
                self._send_eol_notices(dry_run=options["dry_run"])
            elif action == "import-catalogue":
                self.stdout.write(
                    import_catalogue(actor=OPERATOR, text=_read(options["file"])).summary()
                )
            else:
                self._write(export_catalogue(), options["output"])
        except ImportRefused as refused:
            for problem in refused.problems:
                self.stderr.write(str(problem))
            raise CommandError("The file was refused; nothing was imported.") from None
        except ServiceError as exc:
            raise CommandError(exc.detail) from None

    def _send_eol_notices(self, *, dry_run: bool) -> None:
        run = send_eol_notices(dry_run=dry_run)
        for notice in run.planned:
            self.stdout.write(notice.describe())
        if dry_run:
            self.stdout.write(f"{len(run.planned)} notice(s) due; dry run, nothing sent.")
        else:
            self.stdout.write(f"Sent {run.sent} notice(s), {run.emails} e-mail(s).")

    def _write(self, text: str, output: str | None) -> None:
        if output:
            Path(output).write_text(text, encoding="utf-8")
            self.stdout.write(f"Wrote {output}.")
        else:
            self.stdout.write(text, ending="")
