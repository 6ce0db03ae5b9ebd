"""Reading the database for a backup: a consistent snapshot, the tables, their rows as JSON.

Rows are written DB-neutrally (JSON arrays of the column values, datetimes in ISO 8601), so
an archive taken on SQLite loads into PostgreSQL and back. Models are read through the
*historical* models of the migrations the database has applied, so the columns always match
the tables, even when the code is ahead of the database.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
from django.apps.registry import Apps
from django.db import connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.models import Field, Model
from django.db.utils import load_backend
from django.utils.duration import duration_iso_string

# Not backed up, and why:
# - contenttypes, auth.permission: `migrate` recreates them; references to them travel as
#   natural keys (see NATURAL_KEYS) because their ids differ between databases.
# - sessions: a restore must not sign anybody in; people sign in again.
# - backups.*: the history of this installation's own backups describes files on this
#   machine; a restored installation starts its own history.
EXCLUDED_APPS = frozenset({"contenttypes", "sessions", "backups"})
EXCLUDED_MODELS = frozenset({"auth.permission"})
NATURAL_KEYS = frozenset({"contenttypes.contenttype", "auth.permission"})
SNAPSHOT_ALIAS = "sustain_backup_snapshot"
PART_ROWS = 50_000
_ITER_CHUNK = 2_000


@dataclass(frozen=True)
class Table:
    label: str
    model: type[Model]
    fields: list[Field[Any, Any]]

    @property
    def columns(self) -> list[str]:
        return [f.attname for f in self.fields]


# --- migration state and models -----------------------------------------------------------
def migration_state(alias: str) -> dict[str, list[str]]:
    """Applied migrations per app, as recorded in the database."""
    loader = MigrationLoader(connections[alias], ignore_no_migrations=True)
    # Rows of apps that are no longer installed stay in django_migrations forever; they say
    # nothing about the tables an archive holds.
    installed = {app for app, _name in loader.graph.nodes}
    state: dict[str, list[str]] = {}
    for app_label, name in sorted(loader.applied_migrations or {}):
        if app_label in installed:
            state.setdefault(app_label, []).append(name)
    return state


def historical_apps(state: dict[str, list[str]], alias: str = "default") -> Apps:
    """The models as they were with exactly these migrations applied."""
    loader = MigrationLoader(connections[alias], ignore_no_migrations=True, load=True)
    applied = {
        (app, name)
        for app, names in state.items()
        for name in names
        if (app, name) in loader.graph.node_map
    }
    leaves = []
    for node in applied:
        children = loader.graph.node_map[node].children
        if not any(child.key in applied and child.key[0] == node[0] for child in children):
            leaves.append(node)
    return loader.project_state(nodes=sorted(leaves), at_end=True).apps


def tables_of(apps: Apps) -> list[Table]:
    """Every backed-up table, parents before children (foreign keys point backwards)."""
    models = {
        m._meta.label_lower: m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.app_label not in EXCLUDED_APPS
        and m._meta.label_lower not in EXCLUDED_MODELS
        and m._meta.managed
        and not m._meta.proxy
        and not m._meta.swapped
    }
    ordered: list[str] = []
    pending = dict(sorted(models.items()))
    while pending:
        ready = [
            label
            for label, model in pending.items()
            if all(dep not in pending or dep == label for dep in _dependencies(model))
        ]
        # A cycle of foreign keys: both databases check them at commit, so any order loads.
        ordered.extend(ready or [next(iter(pending))])
        for label in ready or [next(iter(pending))]:
            del pending[label]
    return [
        Table(label, models[label], list(models[label]._meta.concrete_fields)) for label in ordered
    ]


def _dependencies(model: type[Model]) -> set[str]:
    return {
        f.related_model._meta.label_lower
        for f in model._meta.concrete_fields
        if f.many_to_one or f.one_to_one
        if f.related_model is not None and not isinstance(f.related_model, str)
    }


# --- the snapshot -------------------------------------------------------------------------
def register_alias(alias: str, settings_dict: dict[str, Any]) -> None:
    """Open a connection under ``alias`` for this thread, beside the configured ones.

    ``settings_dict`` is a complete one (a copy of a configured connection's, with another
    NAME). The connection is not added to settings.DATABASES: it exists for one operation.
    """
    wrapper = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(dict(settings_dict), alias)
    connections[alias] = wrapper


def unregister_alias(alias: str) -> None:
    try:
        connections[alias].close()
    finally:
        del connections[alias]


@contextmanager
def snapshot(alias: str = "default") -> Iterator[str]:
    """Yield a connection alias whose reads all see one consistent moment of ``alias``.

    SQLite: the online backup API copies the database into a temporary file (writers go on
    meanwhile under WAL) and the copy is read. PostgreSQL: one REPEATABLE READ, READ ONLY
    transaction. Called inside a transaction already (tests do that), that transaction's own
    view is the snapshot.
    """
    connection = connections[alias]
    if connection.in_atomic_block:
        # SQLite's backup API would wait forever for the caller's own write lock.
        yield alias
        return
    if connection.vendor == "sqlite":
        with tempfile.TemporaryDirectory(prefix="sustain-snapshot-") as directory:
            copy_path = Path(directory) / "snapshot.sqlite3"
            connection.ensure_connection()
            target = sqlite3.connect(copy_path)
            try:
                connection.connection.backup(target)
            finally:
                target.close()
            register_alias(
                SNAPSHOT_ALIAS, {**connection.settings_dict, "NAME": str(copy_path), "OPTIONS": {}}
            )
            try:
                yield SNAPSHOT_ALIAS
            finally:
                unregister_alias(SNAPSHOT_ALIAS)
        return
    with transaction.atomic(using=alias):
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield alias


# --- rows ---------------------------------------------------------------------------------
def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, memoryview | bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, timedelta):
        return duration_iso_string(value)
    raise TypeError(f"Cannot back up a value of type {type(value).__name__}")


def encode_row(row: list[Any] | tuple[Any, ...]) -> bytes:
    # Sorted keys: PostgreSQL's jsonb reorders object keys, and the digest of a table must be
    # the same on every database.
    return orjson.dumps(row, default=_default, option=orjson.OPT_SORT_KEYS)


def natural_key_maps(apps: Apps, alias: str) -> dict[str, dict[Any, Any]]:
    """id → natural key for the tables that `migrate` recreates with other ids."""
    maps: dict[str, dict[Any, Any]] = {}
    try:
        content_type = apps.get_model("contenttypes", "ContentType")
    except LookupError:
        return maps
    types = {
        pk: [app, model]
        for pk, app, model in content_type._base_manager.using(alias).values_list(
            "pk", "app_label", "model"
        )
    }
    maps["contenttypes.contenttype"] = types
    try:
        permission = apps.get_model("auth", "Permission")
    except LookupError:
        return maps
    maps["auth.permission"] = {
        pk: [*types.get(ct, [None, None]), codename]
        for pk, ct, codename in permission._base_manager.using(alias).values_list(
            "pk", "content_type_id", "codename"
        )
    }
    return maps


def row_encoder(
    table: Table, maps: dict[str, dict[Any, Any]]
) -> Callable[[tuple[Any, ...]], bytes]:
    swaps = [
        (index, maps.get(f.related_model._meta.label_lower, {}))
        for index, f in enumerate(table.fields)
        if f.is_relation and f.related_model is not None and not isinstance(f.related_model, str)
        if f.related_model._meta.label_lower in NATURAL_KEYS
    ]
    if not swaps:
        return encode_row

    def encode(row: tuple[Any, ...]) -> bytes:
        values = list(row)
        for index, mapping in swaps:
            if values[index] is not None:
                values[index] = mapping.get(values[index])
        return encode_row(values)

    return encode


def iter_lines(
    table: Table, alias: str, encode: Callable[[tuple[Any, ...]], bytes]
) -> Iterator[bytes]:
    """The table's rows by primary key, one encoded line each, streamed from the database."""
    queryset = table.model._base_manager.using(alias).order_by("pk").values_list(*table.columns)
    for row in queryset.iterator(chunk_size=_ITER_CHUNK):
        yield encode(row)


@dataclass
class TableDigest:
    rows: int = 0
    digest: Any = None

    def __post_init__(self) -> None:
        self.digest = hashlib.sha256()

    def add(self, line: bytes) -> None:
        self.rows += 1
        self.digest.update(line)
        self.digest.update(b"\n")

    def hexdigest(self) -> str:
        return str(self.digest.hexdigest())


def iter_parts(
    lines: Iterator[bytes], tally: TableDigest, part_rows: int = PART_ROWS
) -> Iterator[bytes]:
    """Gzipped JSON-lines parts of at most ``part_rows`` rows: memory stays bounded."""
    batch: list[bytes] = []
    for line in lines:
        tally.add(line)
        batch.append(line)
        if len(batch) >= part_rows:
            yield _pack(batch)
            batch = []
    if batch:
        yield _pack(batch)


def _pack(lines: list[bytes]) -> bytes:
    lines.append(b"")
    # Level 1: most of the size gain for a fraction of the time of the default level.
    return gzip.compress(b"\n".join(lines), compresslevel=1, mtime=0)


def table_digests(tables: list[Table], alias: str) -> dict[str, tuple[int, str]]:
    """(rows, digest) per table, computed exactly as a backup computes them."""
    apps_models = tables[0].model._meta.apps if tables else None
    maps = natural_key_maps(apps_models, alias) if apps_models is not None else {}
    result = {}
    for table in tables:
        tally = TableDigest()
        for line in iter_lines(table, alias, row_encoder(table, maps)):
            tally.add(line)
        result[table.label] = (tally.rows, tally.hexdigest())
    return result
