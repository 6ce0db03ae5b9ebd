"""Writing an archive's rows into a database: schema state, checks, bulk inserts, sequences."""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

import orjson
from django.apps.registry import Apps
from django.conf import settings
from django.core.management.color import no_style
from django.core.management.sql import emit_post_migrate_signal
from django.db import connections
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.models import Field

from sustain.backups.archive import ArchiveError
from sustain.backups.dump import NATURAL_KEYS, Table, historical_apps, tables_of

BATCH_ROWS = 2_000
# Values that the database driver cannot take as they come out of JSON.
_PREPARED_TYPES = frozenset(
    {
        "DateTimeField",
        "DateField",
        "TimeField",
        "DecimalField",
        "UUIDField",
        "BinaryField",
        "JSONField",
        "DurationField",
    }
)


_COPY_AS_TEXT = frozenset(
    {"DateTimeField", "DateField", "TimeField", "DecimalField", "UUIDField", "DurationField"}
)


class NewerSchema(ArchiveError):
    title = "Archive from a newer Sustain"


def check_schema(header: dict[str, Any], alias: str = "default") -> None:
    """Refuse an archive whose migrations this code does not know (it came from a newer
    Sustain), naming the first unknown migrations and the version that made it."""
    loader = MigrationLoader(connections[alias], ignore_no_migrations=True, load=True)
    known = set(loader.graph.nodes)
    archived = {(app, name) for app, names in header["migrations"].items() for name in names}
    unknown = sorted(archived - known)
    if unknown:
        names = ", ".join(f"{app}.{name}" for app, name in unknown[:5])
        raise NewerSchema(
            f"This archive was made by Sustain {header.get('sustain_version', '?')} with a newer "
            f"database schema: migration {names} is unknown to this Sustain. Upgrade Sustain to "
            f"{header.get('sustain_version', 'that version')} or later, then restore."
        )


def _targets(
    executor: MigrationExecutor, state: dict[str, list[str]]
) -> list[tuple[str, str | None]]:
    targets: list[tuple[str, str | None]] = []
    apps_with_migrations = {app for app, _name in executor.loader.graph.nodes}
    for app in sorted(apps_with_migrations):
        names = state.get(app)
        if names:
            applied = set(names)
            leaves = [
                (app, n)
                for n in names
                if not any(
                    c.key in {(app, m) for m in applied}
                    for c in executor.loader.graph.node_map[(app, n)].children
                )
            ]
            targets.extend(leaves)
        else:
            targets.append((app, None))
    return targets


def needs_migration(state: dict[str, list[str]], alias: str) -> bool:
    executor = MigrationExecutor(connections[alias])
    return bool(executor.migration_plan(_targets(executor, state)))


def migrate_to(state: dict[str, list[str]], alias: str) -> None:
    """Bring the target's schema to the archive's migration state (forwards or backwards)."""
    executor = MigrationExecutor(connections[alias])
    targets = _targets(executor, state)
    plan = executor.migration_plan(targets)
    if plan:
        executor.migrate(targets, plan=plan)
    # What `migrate` would do after its plan: content types and permissions for the models.
    emit_post_migrate_signal(0, False, alias)


def migrate_forward(alias: str) -> list[str]:
    """Apply what the code has beyond the archive (data migrations run on restored rows)."""
    executor = MigrationExecutor(connections[alias])
    targets = executor.loader.graph.leaf_nodes()
    plan = executor.migration_plan(targets)
    if plan:
        executor.migrate(targets, plan=plan)
        emit_post_migrate_signal(0, False, alias)
    return [f"{m.app_label}.{m.name}" for m, _backwards in plan]


def archive_tables(header: dict[str, Any], alias: str) -> tuple[Apps, dict[str, Table]]:
    """The archive's tables as models of the archive's schema, checked against its columns."""
    apps = historical_apps(header["migrations"], alias)
    tables = {t.label: t for t in tables_of(apps)}
    for entry in header["tables"]:
        table = tables.get(entry["label"])
        if table is None:
            raise ArchiveError(f"The archive holds table {entry['label']}, unknown at its schema.")
        if table.columns != entry["columns"]:
            raise ArchiveError(
                f"The columns of {entry['label']} in the archive do not match its schema."
            )
    return apps, tables


def occupied_tables(tables: Iterable[Table], alias: str) -> list[str]:
    return [t.label for t in tables if t.model._base_manager.using(alias).exists()]


def clear_tables(tables: list[Table], alias: str) -> None:
    connection = connections[alias]
    names = [t.model._meta.db_table for t in tables]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            quoted = ", ".join(connection.ops.quote_name(n) for n in names)
            # TRUNCATE refuses tables with deferred foreign-key checks still pending in this
            # transaction; running them now clears the queue.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            for name in reversed(names):
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(name)}")  # noqa: S608


def _converter(field: Field[Any, Any], alias: str, keys: dict[str, Any]) -> Callable[[Any], Any]:
    connection = connections[alias]
    related = field.related_model if field.is_relation else None
    if related is not None and not isinstance(related, str):
        label = related._meta.label_lower
        if label in NATURAL_KEYS:
            mapping = keys[label]

            def by_natural_key(value: Any) -> Any:
                return None if value is None else mapping.get(tuple(value))

            return by_natural_key
        target: Field[Any, Any] = field.target_field  # type: ignore[attr-defined]
        kind = target.get_internal_type()
    else:
        kind = field.get_internal_type()
    if kind not in _PREPARED_TYPES:
        return _same
    if connection.vendor == "postgresql" and kind in _COPY_AS_TEXT:
        # COPY parses ISO 8601 times, dates, intervals, UUIDs and decimals as they are.
        return _same
    if connection.vendor == "postgresql" and kind == "JSONField":
        return _json_text
    if connection.vendor == "sqlite" and kind == "DateTimeField" and settings.USE_TZ:
        return partial(_sqlite_datetime, field, connection)

    def prepare(value: Any) -> Any:
        if value is None:
            return None
        return field.get_db_prep_save(field.to_python(value), connection)

    return prepare


def _same(value: Any) -> Any:
    return value


def _sqlite_datetime(field: Field[Any, Any], connection: Any, value: Any) -> Any:
    # What Django's SQLite backend stores for an aware UTC time: "YYYY-MM-DD HH:MM:SS[.ffffff]".
    # Backups write UTC times, so the common case is a string edit, not a parse and a format.
    if isinstance(value, str) and value.endswith("+00:00") and len(value) in (25, 32):
        return value[:-6].replace("T", " ", 1)
    return None if value is None else field.get_db_prep_save(field.to_python(value), connection)


def _json_text(value: Any) -> Any:
    # The column's JSON as text; a SQL NULL stays NULL (JSON null was written as SQL NULL too).
    return None if value is None else orjson.dumps(value).decode()


def natural_key_ids(apps: Apps, alias: str) -> dict[str, dict[tuple[Any, ...], int]]:
    """natural key → id in the target, for the tables `migrate` filled there."""
    keys: dict[str, dict[tuple[Any, ...], int]] = {}
    try:
        content_type = apps.get_model("contenttypes", "ContentType")
    except LookupError:
        return keys
    types = {
        pk: (app, model)
        for pk, app, model in content_type._base_manager.using(alias).values_list(
            "pk", "app_label", "model"
        )
    }
    keys["contenttypes.contenttype"] = {key: pk for pk, key in types.items()}
    try:
        permission = apps.get_model("auth", "Permission")
    except LookupError:
        return keys
    keys["auth.permission"] = {
        (*types[ct], codename): pk
        for pk, ct, codename in permission._base_manager.using(alias).values_list(
            "pk", "content_type_id", "codename"
        )
    }
    return keys


class TableLoader:
    """Inserts the parts of one table; COPY on PostgreSQL, executemany elsewhere."""

    def __init__(self, table: Table, alias: str, keys: dict[str, Any]) -> None:
        self.table, self.alias = table, alias
        self.connection = connections[alias]
        self.converters = [_converter(f, alias, keys) for f in table.fields]
        self.plain = all(c is _same for c in self.converters)
        quote = self.connection.ops.quote_name
        self.db_table = quote(table.model._meta.db_table)
        self.column_sql = ", ".join(quote(str(f.column)) for f in table.fields)
        self.rows = 0

    def _rows(self, data: bytes) -> list[tuple[Any, ...]]:
        lines = gzip.decompress(data).splitlines()
        if self.plain:
            return [tuple(orjson.loads(line)) for line in lines]
        converters = self.converters
        return [
            tuple(c(v) for c, v in zip(converters, orjson.loads(line), strict=True))
            for line in lines
        ]

    def load_part(self, data: bytes) -> None:
        try:
            rows = self._rows(data)
        except (orjson.JSONDecodeError, ValueError, TypeError) as exc:
            raise ArchiveError(f"A part of {self.table.label} cannot be read: {exc}") from None
        self.rows += len(rows)
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                sql = f"COPY {self.db_table} ({self.column_sql}) FROM STDIN"
                with cursor.cursor.copy(sql) as copy:
                    for row in rows:
                        copy.write_row(row)
                return
            marks = ", ".join(["%s"] * len(self.table.fields))
            sql = f"INSERT INTO {self.db_table} ({self.column_sql}) VALUES ({marks})"  # noqa: S608
            for start in range(0, len(rows), BATCH_ROWS):
                cursor.executemany(sql, rows[start : start + BATCH_ROWS])


@contextmanager
def bulk_load(tables: list[Table], alias: str) -> Iterator[None]:
    """On PostgreSQL, load without per-row foreign-key triggers and index upkeep.

    Inside the restore's transaction the foreign keys and the secondary indexes of the
    (empty) tables are dropped and put back after the load: one validating scan per foreign
    key and one sort per index instead of millions of trigger calls and index inserts. DDL is
    transactional in PostgreSQL, so a failed load leaves every constraint and index in place.
    """
    connection = connections[alias]
    names = [t.model._meta.db_table for t in tables]
    if connection.vendor == "sqlite":
        with _without_sqlite_indexes(connection, names):
            yield
        return
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
            FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
            WHERE c.contype = 'f' AND t.relname = ANY(%s)
              AND t.relnamespace = current_schema()::regnamespace
            ORDER BY 1, 2
            """,
            [names],
        )
        foreign_keys = cursor.fetchall()
        cursor.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
            ORDER BY 1
            """,
            [names],
        )
        indexes = cursor.fetchall()
        quote = connection.ops.quote_name
        for table, name, _definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {quote(name)}")
    yield
    with connection.cursor() as cursor:
        for _name, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}")


@contextmanager
def _without_sqlite_indexes(connection: Any, names: list[str]) -> Iterator[None]:
    """Secondary indexes of SQLite are rebuilt once after the load (sqlite_master keeps
    their exact CREATE INDEX statements); unique ones stay, they are constraints."""
    marks = ", ".join(["%s"] * len(names))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "  # noqa: S608
            f"AND tbl_name IN ({marks}) AND sql NOT LIKE 'CREATE UNIQUE%%'",
            names,
        )
        indexes = cursor.fetchall()
        for name, _sql in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cursor:
        for _name, sql in indexes:
            cursor.execute(sql)


def reset_sequences(tables: list[Table], alias: str) -> None:
    connection = connections[alias]
    statements = connection.ops.sequence_reset_sql(no_style(), [t.model for t in tables])
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
