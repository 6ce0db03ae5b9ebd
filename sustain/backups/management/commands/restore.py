"""``sustain restore ARCHIVE [--force]``: restore a backup into this installation's database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management import BaseCommand, CommandError
from django.core.management.base import CommandParser

from sustain.backups import operations
from sustain.backups.management.commands._common import (
    add_passphrase_argument,
    exit_code,
    passphrase_from,
)
from sustain.core.errors import ServiceError


class Command(BaseCommand):
    help = (
        "Restore a Sustain backup archive into the configured database (empty, or --force). "
        "Every checksum is checked before anything is written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--force", action="store_true", help="replace the data of a database that has some"
        )
        parser.add_argument(
            "--no-files", action="store_true", help="restore the database only, not the files"
        )
        add_passphrase_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        archive: Path = options["archive"]
        try:
            result = operations.restore_archive(
                archive,
                passphrase=passphrase_from(options["passphrase_file"]),
                force=options["force"],
                restore_files=not options["no_files"],
            )
        except ServiceError as exc:
            raise CommandError(
                f"Nothing was restored: {exc.detail}", returncode=exit_code(exc)
            ) from None
        header = result.header
        self.stdout.write(
            f"Restored {result.rows} rows in {result.tables} tables and {result.files} files "
            f"from {archive} (Sustain {header['sustain_version']}, "
            f"{header['database_vendor']}, {header['created_at']}) in {result.seconds:.1f} s."
        )
        if result.migrated_forward:
            self.stdout.write("Then applied: " + ", ".join(result.migrated_forward))
