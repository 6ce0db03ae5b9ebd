"""Statements written once per process for the few queries that run on every request.

Composing a query through the ORM costs more CPU than the database takes to run a one-row
lookup or insert (on the 2-core reference machine about 0.7 ms against 0.25 ms). The API
token check, the ids an API client sends, a ticket read for a user, the rows of a new ticket
or message and what e-mail intake reads per message go through here; the rest of Sustain
uses the ORM.

Like ``QuerySet.create`` these helpers do not validate; unlike it they send no model
signals (Sustain registers none). Values go through the fields' own conversions both ways,
so instances come out as the ORM would build them.

A statement kept for the life of the process is kept per database vendor (:func:`per_vendor`),
here and in the apps: one process may talk to SQLite and PostgreSQL.

SQL is written by hand only in these places, each for a figure in ``bench/README.md``
(docs/architecture.md, "Where SQL is written by hand"):

- here: rows by one column (the row of a unique key with its related rows, or all rows of a
  value), the INSERTs of a new ticket, one row's UPDATE, a batch of outbox rows;
- ``mail/``: a message by its bytes or its Message-ID (``duplicates.py``), an organisation
  by e-mail domain (``contacts.py``), a sender's messages of the last hour
  (``services.py``);
- ``tickets/assignment.py``: the round-robin turn and a team's available members;
- ``tickets/validation.py``: a new ticket's tag links (one INSERT ... SELECT);
- ``tickets/selectors.py``: the teams of an agent's assigned tickets (a skip scan) and the
  names a page of tickets refers to (one UNION ALL);
- ``core/pagination.py``: the walk of a list sorted by a related name (one UNION ALL per
  batch of groups, under a statement timeout on PostgreSQL);
- ``desk/queues.py``: the sidebar counts (one UNION ALL of capped counts);
- ``sla/engine.py``: the policy fingerprint and the UPDATE ... FROM (VALUES ...) of moved
  clocks (PostgreSQL); ``sla/escalation.py``: the sweep's claim;
- ``kb/index.py``: the full-text index and search (FTS5 on SQLite, tsvector on PostgreSQL);
- ``backups/``: reading and loading whole tables (COPY, constraints, sequences).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, ForeignKey, Model
from django.db.models.constants import OnConflict
from django.db.transaction import TransactionManagementError

Converter = Callable[[Any, Any, Any], Any]

# Statements that a PostgreSQL connection prepares on their first run and then only binds and
# executes (sustain.core.postgresql). Only statements whose best plan cannot depend on their
# parameters belong here: rows by a unique key, INSERTs, an UPDATE of one row. Any other
# statement is parsed and planned for its own parameters on every run, because PostgreSQL may
# switch a prepared statement to one generic plan, which for a word search cannot use the
# trigram index (0.7-1 s instead of 3 ms at 1M tickets).
PREPARED: set[str] = set()


def prepared[S: str](sql: S) -> S:
    """Mark ``sql`` as a statement to prepare (see ``PREPARED``); returns it."""
    PREPARED.add(sql)
    return sql


class PerVendor[*Args, R]:
    """What ``write(db, *args)`` writes for the database ``db`` (a statement, or one with what
    reads its result), kept per database vendor and arguments.

    A process may talk to databases of two vendors (the tests run one process against
    SQLite and PostgreSQL; a backup restores into another alias), so a statement written for
    one vendor must never run on the other: the vendor is part of the key, and ``write``
    takes what it needs (quoting, features, converters) from ``db``, never from the default
    connection. Every statement Sustain keeps is kept this way (see :func:`per_vendor`).
    """

    def __init__(self, write: Callable[[BaseDatabaseWrapper, *Args], R]) -> None:
        self.write = write
        self._kept: dict[tuple[Any, ...], R] = {}

    def __call__(self, *args: *Args) -> R:
        """What was written for the vendor of ``connection`` (the default database)."""
        return self.for_database(_default(), *args)

    def for_database(self, db: BaseDatabaseWrapper, *args: *Args) -> R:
        key = (db.vendor, *args)
        try:
            return self._kept[key]
        except KeyError:
            written = self._kept[key] = self.write(db, *args)
            return written


def per_vendor[*Args, R](write: Callable[[BaseDatabaseWrapper, *Args], R]) -> PerVendor[*Args, R]:
    """Decorate a function that writes a statement for a database (its first argument) so
    that the statement is written once per process, per database vendor and arguments."""
    return PerVendor(write)


def _quoted(db: BaseDatabaseWrapper, name: str | None) -> str:
    return db.ops.quote_name(str(name))


@dataclass(frozen=True)
class Columns:
    """How to read one model's columns out of a result row."""

    model: type[Model]
    names: list[str]
    converters: list[tuple[int, list[Converter], Any]]

    @property
    def key_index(self) -> int:
        """Where the primary key is among the columns."""
        assert self.model._meta.pk is not None
        return self.names.index(self.model._meta.pk.attname)

    @classmethod
    def of(cls, db: BaseDatabaseWrapper, model: type[Model], alias: str) -> Columns:
        fields: Sequence[Field[Any, Any]] = model._meta.concrete_fields
        converters = []
        for index, field in enumerate(fields):
            column = field.get_col(alias)
            found = db.ops.get_db_converters(column) + column.get_db_converters(db)
            if found:
                converters.append((index, found, column))
        return cls(model, [field.attname for field in fields], converters)

    def build(self, values: Sequence[Any]) -> Model:
        db = _default()
        row = list(values)
        for index, converters, column in self.converters:
            for convert in converters:
                row[index] = convert(row[index], column, db)
        return self.model.from_db(db.alias, self.names, row)


class RowLookup[M: Model]:
    """Rows of ``model`` by one column: ``get`` the row of a unique value, ``all`` every row
    of a value in key order. Optionally with the rows of some of its foreign keys
    (``related``: a name or several, as ``select_related`` would load them; None where a
    nullable key is empty). With ``lock`` the rows are locked until the transaction ends, like
    ``select_for_update(no_key=True)``: others may still insert rows that refer to them."""

    def __init__(
        self,
        model: type[M],
        column: str,
        *,
        related: str | tuple[str, ...] = (),
        lock: bool = False,
    ) -> None:
        self.model = model
        self.column = column
        self.related = (related,) if isinstance(related, str) else related
        self.lock = lock
        key_field = model._meta.get_field(column)
        assert isinstance(key_field, Field)
        self.key_field: Field[Any, Any] = key_field
        self._statement = PerVendor(self._write_one)
        self._ordered = PerVendor(self._write_ordered)

    def get(self, value: Any) -> M | None:
        rows = self._rows(value, ordered=False)
        return rows[0] if rows else None

    def all(self, value: Any) -> list[M]:
        return self._rows(value, ordered=True)

    def _rows(self, value: Any, *, ordered: bool) -> list[M]:
        db = _default()
        if self.lock and not db.in_atomic_block:
            raise TransactionManagementError("A locking lookup needs a transaction.")
        statement = self._ordered if ordered else self._statement
        sql, own, joined = statement.for_database(db)
        with db.cursor() as cursor:
            cursor.execute(sql, [self.key_field.get_db_prep_value(value, db)])
            return [self._build(row, own, joined) for row in cursor.fetchall()]

    def _build(self, row: Sequence[Any], own: Columns, joined: list[Columns]) -> M:
        start = len(own.names)
        found = own.build(row[:start])
        for name, columns in zip(self.related, joined, strict=True):
            end = start + len(columns.names)
            # A LEFT JOIN that found nothing gives NULL for the related key, as for all else.
            empty = row[start + columns.key_index] is None
            setattr(found, name, None if empty else columns.build(row[start:end]))
            start = end
        assert isinstance(found, self.model)
        return found

    def _write_one(self, db: BaseDatabaseWrapper) -> tuple[str, Columns, list[Columns]]:
        return self._write(db, ordered=False)

    def _write_ordered(self, db: BaseDatabaseWrapper) -> tuple[str, Columns, list[Columns]]:
        return self._write(db, ordered=True)

    def _write(
        self, db: BaseDatabaseWrapper, *, ordered: bool
    ) -> tuple[str, Columns, list[Columns]]:
        meta = self.model._meta
        own = Columns.of(db, self.model, "t")
        columns = [f"t.{_quoted(db, f.column)}" for f in meta.concrete_fields]
        source = f"{_quoted(db, meta.db_table)} t"
        joined = []
        for number, name in enumerate(self.related):
            foreign_key = meta.get_field(name)
            assert isinstance(foreign_key, ForeignKey)
            target = foreign_key.related_model
            assert isinstance(target, type)
            assert issubclass(target, Model)
            alias = f"r{number}"
            joined.append(Columns.of(db, target, alias))
            columns += [f"{alias}.{_quoted(db, f.column)}" for f in target._meta.concrete_fields]
            target_column = foreign_key.target_field.column
            join = "LEFT JOIN" if foreign_key.null else "JOIN"
            source += (
                f" {join} {_quoted(db, target._meta.db_table)} {alias}"
                f" ON {alias}.{_quoted(db, target_column)} = t.{_quoted(db, foreign_key.column)}"
            )
        key_column = _quoted(db, self.key_field.column)
        sql = f"SELECT {', '.join(columns)} FROM {source} WHERE t.{key_column} = %s"  # noqa: S608
        if ordered:
            assert meta.pk is not None
            sql += f" ORDER BY t.{_quoted(db, meta.pk.column)}"
        return prepared(sql + self._lock_clause(db)), own, joined

    def _lock_clause(self, db: BaseDatabaseWrapper) -> str:
        if not self.lock:
            return ""
        if db.features.has_select_for_no_key_update:
            return " FOR NO KEY UPDATE OF t"
        # SQLite locks the whole database for a writing transaction (BEGIN IMMEDIATE).
        return " FOR UPDATE OF t" if db.features.has_select_for_update_of else ""


def insert(obj: Model) -> None:
    """INSERT a new ``obj`` (auto-increment primary key left unset) and set its key."""
    db = _default()
    with db.cursor() as cursor:
        cursor.execute(_insert_of.for_database(db, type(obj)), _values(db, obj, "insert"))
        row = cursor.fetchone()
    assert row is not None
    obj.pk = row[0]
    obj._state.adding = False
    obj._state.db = db.alias


@per_vendor
def _insert_of(db: BaseDatabaseWrapper, model: type[Model]) -> str:
    meta = model._meta
    auto = meta.auto_field
    if auto is None or meta.db_returning_fields != [auto]:
        raise TypeError(f"{meta.label}: insert() takes models whose only generated column is id")
    return prepared(
        f"INSERT INTO {_quoted(db, meta.db_table)} {_column_list(db, model)} "  # noqa: S608
        f"VALUES {_placeholders(model)} RETURNING {_quoted(db, auto.column)}"
    )


def insert_unless_taken(obj: Model) -> bool:
    """``insert``, or nothing (False) when a row already holds one of ``obj``'s unique values.

    The conflict is the database's to find (ON CONFLICT DO NOTHING), so no IntegrityError
    breaks the caller's transaction: a caller inside another's transaction needs no savepoint
    of its own to go on after losing a race (two statements fewer on every new row)."""
    db = _default()
    with db.cursor() as cursor:
        cursor.execute(
            _insert_unless_taken_of.for_database(db, type(obj)), _values(db, obj, "insert")
        )
        row = cursor.fetchone()
    if row is None:
        return False
    obj.pk = row[0]
    obj._state.adding = False
    obj._state.db = db.alias
    return True


@per_vendor
def _insert_unless_taken_of(db: BaseDatabaseWrapper, model: type[Model]) -> str:
    meta = model._meta
    auto = meta.auto_field
    if auto is None or meta.db_returning_fields != [auto]:
        raise TypeError(f"{meta.label}: insert() takes models whose only generated column is id")
    suffix = db.ops.on_conflict_suffix_sql(_written_fields(model), OnConflict.IGNORE, None, None)
    return prepared(
        f"{db.ops.insert_statement(on_conflict=OnConflict.IGNORE)} "
        f"{_quoted(db, meta.db_table)} {_column_list(db, model)} "
        f"VALUES {_placeholders(model)} {suffix} RETURNING {_quoted(db, auto.column)}"
    )


def update(obj: Model, fields: tuple[str, ...]) -> None:
    """UPDATE ``fields`` of the saved ``obj`` from its attributes, as ``save(update_fields=)``
    does, without reading anything back."""
    db = _default()
    sql, chosen = _update_of.for_database(db, type(obj), fields)
    values = [f.get_db_prep_save(f.pre_save(obj, False), db) for f in chosen]
    with db.cursor() as cursor:
        cursor.execute(sql, [*values, obj.pk])


@per_vendor
def _update_of(
    db: BaseDatabaseWrapper, model: type[Model], names: tuple[str, ...]
) -> tuple[str, tuple[Field[Any, Any], ...]]:
    chosen = []
    for name in names:
        field = model._meta.get_field(name)
        if not isinstance(field, Field) or not field.concrete:
            raise TypeError(f"{model._meta.label}.{name} is not a column")
        chosen.append(field)
    key_column = _quoted(db, model._meta.pk.column if model._meta.pk else "id")
    assignments = ", ".join(f"{_quoted(db, f.column)} = %s" for f in chosen)
    table = _quoted(db, model._meta.db_table)
    sql = f"UPDATE {table} SET {assignments} WHERE {key_column} = %s"  # noqa: S608
    return prepared(sql), tuple(chosen)


def insert_rows(objs: Sequence[Model], *, skip_conflicts: bool = False) -> int:
    """INSERT new objects of one model in one statement without reading their keys back;
    with ``skip_conflicts`` a row that breaks a unique constraint is left out. Returns how
    many rows were written."""
    if not objs:
        return 0
    db = _default()
    model, count = type(objs[0]), len(objs)
    if count <= _FEW_ROWS:
        sql = _few_rows_of.for_database(db, model, count, skip_conflicts)
    else:
        sql = _insert_rows_sql(db, model, count, skip_conflicts)
    params = [value for obj in objs for value in _values(db, obj, "insert_rows")]
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)


# A few rows (the e-mails of one change) come back in the same shape again and again: their
# statements are kept and prepared. A large batch is a one-off.
_FEW_ROWS = 8


@per_vendor
def _few_rows_of(
    db: BaseDatabaseWrapper, model: type[Model], count: int, skip_conflicts: bool
) -> str:
    return prepared(_insert_rows_sql(db, model, count, skip_conflicts))


def _insert_rows_sql(
    db: BaseDatabaseWrapper, model: type[Model], count: int, skip_conflicts: bool
) -> str:
    conflict = OnConflict.IGNORE if skip_conflicts else None
    suffix = db.ops.on_conflict_suffix_sql(_written_fields(model), conflict, None, None)
    return (
        f"{db.ops.insert_statement(on_conflict=conflict)} "
        f"{_quoted(db, model._meta.db_table)} {_column_list(db, model)} "
        f"VALUES {', '.join([_placeholders(model)] * count)} {suffix}"
    )


@functools.cache
def _written_fields(model: type[Model]) -> tuple[Field[Any, Any], ...]:
    """The columns an INSERT writes: all but the auto-increment key (the same on every
    database, so kept per model only)."""
    meta = model._meta
    return tuple(f for f in meta.local_concrete_fields if f is not meta.auto_field)


def _column_list(db: BaseDatabaseWrapper, model: type[Model]) -> str:
    return f"({', '.join(_quoted(db, f.column) for f in _written_fields(model))})"


def _placeholders(model: type[Model]) -> str:
    return f"({', '.join(['%s'] * len(_written_fields(model)))})"


def _values(db: BaseDatabaseWrapper, obj: Model, operation: str) -> list[Any]:
    # As save() does: a related object assigned before it was saved is refused, and the
    # key of one saved since then is copied over; defaults and auto_now apply.
    obj._prepare_related_fields_for_save(operation_name=operation)  # type: ignore[attr-defined]
    values = []
    for field, attname, plain in _conversions(type(obj)):
        if plain:
            value = getattr(obj, attname)
            if value is None or type(value) in plain:
                values.append(value)
                continue
        values.append(field.get_db_prep_save(field.pre_save(obj, True), db))
    return values


# Fields of these exact classes keep a value of these exact types as it is (their conversion
# is str(), int() or bool() of it, and None stays None), and read it from the attribute like
# every field without a pre_save of its own. Such values skip a dozen calls each; any other
# value (an enum member, a date, JSON, a file) goes through the field's own conversion.
_KEPT_AS_IS: dict[type[Field[Any, Any]], tuple[type, ...]] = {
    models.CharField: (str,),
    models.EmailField: (str,),
    models.TextField: (str,),
    models.BooleanField: (bool,),
    models.IntegerField: (int,),
    models.SmallIntegerField: (int,),
    models.BigIntegerField: (int,),
    models.PositiveIntegerField: (int,),
    models.PositiveSmallIntegerField: (int,),
    models.PositiveBigIntegerField: (int,),
}
_INTEGER_KEYS = (models.AutoField, models.BigAutoField)


@functools.cache
def _conversions(
    model: type[Model],
) -> tuple[tuple[Field[Any, Any], str, tuple[type, ...]], ...]:
    """Each written field with its attribute and the value types it keeps as they are."""
    found = []
    for field in _written_fields(model):
        plain = _KEPT_AS_IS.get(type(field), ())
        if type(field) is ForeignKey and type(field.target_field) in _INTEGER_KEYS:
            plain = (int,)
        found.append((field, field.attname, plain))
    return tuple(found)


def _default() -> BaseDatabaseWrapper:
    """This thread's connection to the default database, looked up once per statement:
    ``django.db.connection`` looks it up again at every use, and the field conversions of
    one row use it a dozen times (a tenth of the time an INSERT took)."""
    return connections[DEFAULT_DB_ALIAS]
