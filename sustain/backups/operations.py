"""The three operations on archives: write one, restore one, verify one in a scratch database.

These know nothing of the Backup history (``services.py`` keeps that); the command line and
the services both call them.
"""

from __future__ import annotations

import secrets
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, BinaryIO

import orjson
from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import FileField
from django.utils import timezone

from sustain.backups import dump, load
from sustain.backups.archive import (
    DATA_PREFIX,
    FILES_PREFIX,
    FORMAT,
    FORMAT_VERSION,
    HEADER_NAME,
    ArchiveError,
    ArchiveWriter,
    Contents,
    iter_members,
    scan,
)
from sustain.backups.models import Backup
from sustain.core.errors import Conflict

SCRATCH_ALIAS = "sustain_backup_scratch"


class TargetNotEmpty(Conflict):
    title = "Target database is not empty"


@dataclass
class WriteResult:
    path: Path
    size: int
    sha256: str
    rows: int
    tables: int
    files: int
    missing_files: list[str]
    seconds: float
    encrypted: bool


@dataclass
class RestoreResult:
    rows: int
    tables: int
    files: int
    seconds: float
    migrated_forward: list[str]
    header: dict[str, Any]


@dataclass
class VerifyReport:
    ok: bool
    rows: int
    tables: int
    files: int
    seconds: float
    problems: list[str] = field(default_factory=list)
    header: dict[str, Any] = field(default_factory=dict)
    # Why the archive could not be restored at all (damaged, truncated…), if that is the case.
    error: ArchiveError | None = None

    def summary(self) -> str:
        if self.ok:
            return (
                f"OK: {self.rows} rows in {self.tables} tables and {self.files} files restored "
                f"into a scratch database and compared in {self.seconds:.1f} s."
            )
        return "FAILED: " + "; ".join(self.problems)


def sustain_version() -> str:
    try:
        return metadata.version("sustain")
    except metadata.PackageNotFoundError:
        return "unknown"


# --- writing ------------------------------------------------------------------------------
def write_archive(
    path: Path, *, passphrase: str | None = None, alias: str = "default"
) -> WriteResult:
    """Back up the database behind ``alias`` and the stored files into ``path``."""
    started = time.monotonic()
    with dump.snapshot(alias) as source:
        state = dump.migration_state(source)
        apps = dump.historical_apps(state, source)
        tables = dump.tables_of(apps)
        header = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "sustain_version": sustain_version(),
            "created_at": timezone.now().isoformat(),
            "database_vendor": connections[alias].vendor,
            "migrations": state,
            "tables": [{"label": t.label, "columns": t.columns} for t in tables],
        }
        with ArchiveWriter(path, passphrase=passphrase) as writer:
            writer.add_bytes(HEADER_NAME, orjson.dumps(header, option=orjson.OPT_INDENT_2))
            table_info = _write_tables(writer, tables, apps, source)
            names = _file_names(tables, source)
            files, missing = _write_files(writer, names, default_storage)
            writer.finish(
                {
                    "format": FORMAT,
                    "sustain_version": header["sustain_version"],
                    "created_at": header["created_at"],
                    "tables": table_info,
                    "files": files,
                    "missing_files": missing,
                }
            )
    return WriteResult(
        path=path,
        size=writer.size,
        sha256=writer.sha256,
        rows=sum(t["rows"] for t in table_info.values()),
        tables=len(table_info),
        files=len(files),
        missing_files=missing,
        seconds=time.monotonic() - started,
        encrypted=writer.encrypted,
    )


def _write_tables(
    writer: ArchiveWriter, tables: list[dump.Table], apps: Any, source: str
) -> dict[str, dict[str, Any]]:
    maps = dump.natural_key_maps(apps, source)
    info: dict[str, dict[str, Any]] = {}
    for table in tables:
        tally = dump.TableDigest()
        lines = dump.iter_lines(table, source, dump.row_encoder(table, maps))
        parts = []
        for number, part in enumerate(dump.iter_parts(lines, tally)):
            name = f"{DATA_PREFIX}{table.label}/{number:05d}.jsonl.gz"
            writer.add_bytes(name, part)
            parts.append(name)
        info[table.label] = {"rows": tally.rows, "sha256": tally.hexdigest(), "parts": parts}
    return info


def _file_names(tables: list[dump.Table], source: str) -> list[str]:
    names: set[str] = set()
    for table in tables:
        for f in table.fields:
            if isinstance(f, FileField):
                values = table.model._base_manager.using(source).values_list(f.attname, flat=True)
                names.update(v for v in values.distinct().iterator() if v)
    return sorted(names)


def _write_files(
    writer: ArchiveWriter, names: list[str], storage: Storage
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    files: dict[str, dict[str, Any]] = {}
    missing: list[str] = []
    for name in names:
        # A row committed after the snapshot cannot be here; a file deleted since can be gone.
        try:
            size = storage.size(name)
            stream = storage.open(name, "rb")
        except (FileNotFoundError, OSError):
            missing.append(name)
            continue
        with stream:
            digest = writer.add_stream(FILES_PREFIX + name, stream, size)  # type: ignore[arg-type]
        files[name] = {"sha256": digest, "size": size}
    return files, missing


# --- restoring ----------------------------------------------------------------------------
def check_archive(path: Path, *, passphrase: str | None, alias: str = "default") -> Contents:
    """Every check that needs no write: decryption, checksums, format, schema version."""
    return scan(path, passphrase, on_header=lambda header: load.check_schema(header, alias))


def restore_archive(
    path: Path,
    *,
    passphrase: str | None = None,
    alias: str = "default",
    force: bool = False,
    storage: Storage | None = None,
    restore_files: bool = True,
    contents: Contents | None = None,
) -> RestoreResult:
    """Restore ``path`` into the database behind ``alias``; nothing is written unless the
    whole archive checks out and the target is empty (or ``force``)."""
    started = time.monotonic()
    contents = contents or check_archive(path, passphrase=passphrase, alias=alias)
    current = dump.tables_of(dump.historical_apps(dump.migration_state(alias), alias))
    occupied = load.occupied_tables(current, alias)
    if occupied and not force:
        raise TargetNotEmpty(
            f"The target database already holds data (in {', '.join(occupied[:5])}"
            f"{'…' if len(occupied) > 5 else ''}). Restore into an empty database, or give "
            "--force to replace everything in it."
        )
    if occupied and load.needs_migration(contents.header["migrations"], alias):
        # Moving the schema of a full database back and forth could fail on its rows; the
        # data goes first, so this one case is not atomic (the archive replaces it anyway).
        with transaction.atomic(using=alias):
            load.clear_tables(current, alias)
    load.migrate_to(contents.header["migrations"], alias)
    apps, tables = load.archive_tables(contents.header, alias)
    storage = storage or default_storage
    with transaction.atomic(using=alias):
        # The history stays, but the ids of its users mean other people after the restore.
        if "backups_backup" in connections[alias].introspection.table_names():
            Backup.objects.using(alias).exclude(requested_by=None).update(requested_by=None)
        if load.occupied_tables(tables.values(), alias):
            # migrate_to may have written rows (data migrations); the archive replaces them.
            load.clear_tables(list(tables.values()), alias)
        keys = load.natural_key_ids(apps, alias)
        loaders = {label: load.TableLoader(table, alias, keys) for label, table in tables.items()}
        files = 0
        with load.bulk_load(list(tables.values()), alias):
            for name, data in iter_members(path, passphrase, contents):
                if name.startswith(DATA_PREFIX):
                    assert isinstance(data, bytes)
                    loaders[name[len(DATA_PREFIX) :].rsplit("/", 1)[0]].load_part(data)
                elif restore_files:
                    _restore_file(storage, name[len(FILES_PREFIX) :], data)  # type: ignore[arg-type]
                    files += 1
        for label, loader in loaders.items():
            if loader.rows != contents.rows(label):
                raise ArchiveError(
                    f"{label}: {loader.rows} rows loaded, the manifest lists "
                    f"{contents.rows(label)}."
                )
        load.reset_sequences(list(tables.values()), alias)
    forward = load.migrate_forward(alias)
    if alias == DEFAULT_DB_ALIAS:
        # Derived data that lives outside the models is rebuilt, not archived.
        from sustain.kb.index import rebuild as rebuild_search_index

        rebuild_search_index()
    return RestoreResult(
        rows=sum(loader.rows for loader in loaders.values()),
        tables=len(loaders),
        files=files,
        seconds=time.monotonic() - started,
        migrated_forward=forward,
        header=contents.header,
    )


def _restore_file(storage: Storage, name: str, stream: BinaryIO) -> None:
    if storage.exists(name):
        storage.delete(name)
    saved = storage.save(name, File(stream))
    if saved != name:
        raise ArchiveError(f"The storage saved {name} as {saved}; the restore is abandoned.")


# --- verifying ----------------------------------------------------------------------------
@contextmanager
def scratch_database(vendor_of: str = "default") -> Iterator[str]:
    """A fresh, empty database of the same kind as ``vendor_of``, dropped afterwards."""
    connection = connections[vendor_of]
    if connection.vendor == "sqlite":
        with tempfile.TemporaryDirectory(prefix="sustain-verify-") as directory:
            name = str(Path(directory) / "scratch.sqlite3")
            # A throwaway copy: durability would only cost time (fsync per migration).
            options = {"init_command": "PRAGMA synchronous=OFF; PRAGMA journal_mode=MEMORY;"}
            dump.register_alias(
                SCRATCH_ALIAS, {**connection.settings_dict, "NAME": name, "OPTIONS": options}
            )
            try:
                yield SCRATCH_ALIAS
            finally:
                dump.unregister_alias(SCRATCH_ALIAS)
        return
    if connection.vendor != "postgresql":
        raise ArchiveError(f"Verification does not support {connection.vendor} databases.")
    name = f"sustain_verify_{secrets.token_hex(6)}"
    quoted = connection.ops.quote_name(name)
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {quoted}")
    try:
        dump.register_alias(
            SCRATCH_ALIAS, {**connection.settings_dict, "NAME": name, "CONN_MAX_AGE": 0}
        )
        try:
            yield SCRATCH_ALIAS
        finally:
            dump.unregister_alias(SCRATCH_ALIAS)
    finally:
        with connection._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")


def verify_archive(path: Path, *, passphrase: str | None = None) -> VerifyReport:
    """Restore into a scratch database, then compare rows and digests with the manifest."""
    started = time.monotonic()
    problems: list[str] = []
    try:
        contents = check_archive(path, passphrase=passphrase)
    except ArchiveError as exc:
        return VerifyReport(False, 0, 0, 0, time.monotonic() - started, [exc.detail], error=exc)
    with scratch_database() as alias:
        try:
            result = restore_archive(
                path, passphrase=passphrase, alias=alias, restore_files=False, contents=contents
            )
        except ArchiveError as exc:
            seconds = time.monotonic() - started
            return VerifyReport(False, 0, 0, 0, seconds, [exc.detail], error=exc)
        _apps, tables = load.archive_tables(contents.header, alias)
        if result.migrated_forward:
            # The scratch copy moved to this Sustain's schema; compare with the archive's rows
            # only where the schema did not change the table.
            problems.append(
                "note: migrations applied after the restore: " + ", ".join(result.migrated_forward)
            )
        else:
            digests = dump.table_digests(list(tables.values()), alias)
            for label, info in contents.manifest["tables"].items():
                rows, digest = digests.get(label, (0, ""))
                if rows != info["rows"]:
                    problems.append(f"{label}: {rows} rows restored, {info['rows']} backed up")
                elif digest != info["sha256"]:
                    problems.append(f"{label}: restored rows differ from the backed-up rows")
    real = [p for p in problems if not p.startswith("note:")]
    return VerifyReport(
        ok=not real,
        rows=result.rows,
        tables=result.tables,
        files=len(contents.manifest["files"]),
        seconds=time.monotonic() - started,
        problems=problems,
        header=contents.header,
    )
