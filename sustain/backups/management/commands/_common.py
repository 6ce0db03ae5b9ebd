"""What the backup and restore commands share: where the passphrase comes from, and how
they exit."""

from __future__ import annotations

from pathlib import Path

from django.core.management import CommandError
from django.core.management.base import CommandParser

from sustain.backups.archive import ArchiveError
from sustain.core.env import EnvError, env_str
from sustain.core.errors import ServiceError

PASSPHRASE_ENV = "SUSTAIN_BACKUP_PASSPHRASE"  # noqa: S105  # a variable name, not a secret


def add_passphrase_argument(parser: CommandParser) -> None:
    parser.add_argument(
        "--passphrase-file",
        type=Path,
        help=f"file holding the passphrase (else ${PASSPHRASE_ENV} or ${PASSPHRASE_ENV}_FILE)",
    )


def passphrase_from(path: Path | None) -> str | None:
    """The passphrase from --passphrase-file, else the environment; never from a prompt, so
    that scripts and cron jobs work the same way people do."""
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise CommandError(f"Cannot read the passphrase file {path}: {exc.strerror}.") from None
        if not text:
            raise CommandError(f"The passphrase file {path} is empty.")
        return text
    try:
        return env_str(PASSPHRASE_ENV) or None
    except EnvError as exc:
        raise CommandError(str(exc)) from None


def exit_code(exc: ServiceError) -> int:
    """1 for any refusal; 3 for a damaged archive, 4 for a truncated one (docs/operations)."""
    return exc.exit_code if isinstance(exc, ArchiveError) else 1
