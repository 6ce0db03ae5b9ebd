"""``sustain backup [--to PATH] [--encrypt]`` and ``sustain backup verify ARCHIVE``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management import BaseCommand, CommandError
from django.core.management.base import CommandParser
from django.utils import timezone

from sustain.backups import operations, services
from sustain.backups.management.commands._common import (
    add_passphrase_argument,
    exit_code,
    passphrase_from,
)
from sustain.core.errors import ServiceError


class Command(BaseCommand):
    help = "Back up Sustain's database and stored files into one archive, or verify an archive."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--to", type=Path, help="archive path or directory (default: SUSTAIN_BACKUP_DIR)"
        )
        parser.add_argument(
            "--encrypt", action="store_true", help="encrypt with the passphrase (AES-256-GCM)"
        )
        add_passphrase_argument(parser)
        sub = parser.add_subparsers(dest="action", required=False)
        verify = sub.add_parser(
            "verify", help="restore an archive into a scratch database and compare"
        )
        verify.add_argument("archive", type=Path)
        add_passphrase_argument(verify)

    def handle(self, *args: Any, **options: Any) -> None:
        passphrase = passphrase_from(options["passphrase_file"])
        try:
            if options["action"] == "verify":
                self._verify(options["archive"], passphrase)
            else:
                self._backup(options["to"], options["encrypt"], passphrase)
        except ServiceError as exc:
            raise CommandError(exc.detail, returncode=exit_code(exc)) from None

    def _backup(self, to: Path | None, encrypt: bool, passphrase: str | None) -> None:
        if encrypt and not passphrase:
            raise CommandError(
                "--encrypt needs a passphrase: --passphrase-file FILE or "
                "SUSTAIN_BACKUP_PASSPHRASE(_FILE)."
            )
        stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
        name = f"sustain-{stamp}{services.ARCHIVE_SUFFIX}{'.enc' if encrypt else ''}"
        path = to or services.backup_dir()
        if path.is_dir() or to is None:
            path = path / name
        backup = services.create_backup_at(path, passphrase=passphrase if encrypt else None)
        self.stdout.write(
            f"Backed up {backup.rows} rows and {backup.files} files to {backup.location} "
            f"({backup.size} bytes, SHA-256 {backup.sha256}"
            f"{', encrypted' if backup.encrypted else ''})."
        )
        if backup.error:
            self.stderr.write(f"Warning: {backup.error}")

    def _verify(self, archive: Path, passphrase: str | None) -> None:
        report = operations.verify_archive(archive, passphrase=passphrase)
        for problem in report.problems:
            self.stdout.write(f"  {problem}")
        if not report.ok:
            raise CommandError(
                f"{archive}: verification {report.summary()}",
                returncode=exit_code(report.error) if report.error else 1,
            )
        self.stdout.write(f"{archive}: {report.summary()}")
