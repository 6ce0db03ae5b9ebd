"""Statements written once per process for the few queries that run on every request.

Composing a query through the ORM costs more CPU than the database takes to run a one-row
lookup or insert (on the 2-core reference machine about 0.7 ms against 0.25 ms). The API
token check, the ids an API client sends and the rows of a new ticket go through here; the
rest of Sustain uses the ORM.

Like ``QuerySet.create`` these helpers do not validate; unlike it they send no model
signals (Sustain registers none). Values go through the fields' own conversions both ways,
so instances come out as the ORM would build them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Field, ForeignKey, Model
from django.db.models.constants import OnConflict

Converter = Callable[[Any, Any, Any], Any]


def _quoted(name: str | None) -> str:
    return connection.ops.quote_name(str(name))


@dataclass(frozen=True)
class _Columns:
    """How to read one model's columns out of a result row."""

    model: type[Model]
    names: list[str]
    converters: list[tuple[int, list[Converter], Any]]

    @classmethod
    def of(cls, model: type[Model], alias: str) -> _Columns:
        fields: Sequence[Field[Any, Any]] = model._meta.concrete_fields
        converters = []
        for index, field in enumerate(fields):
            column = field.get_col(alias)
            found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            if found:
                converters.append((index, found, column))
        return cls(model, [field.attname for field in fields], converters)

    def build(self, values: Sequence[Any]) -> Model:
        row = list(values)
        for index, converters, column in self.converters:
            for convert in converters:
                row[index] = convert(row[index], column, connection)
        return self.model.from_db(connection.alias, self.names, row)


class RowLookup[M: Model]:
    """One row of ``model`` by a unique column, optionally with one foreign key's row
    (``related``, as ``select_related`` would load it)."""

    def __init__(self, model: type[M], column: str, *, related: str | None = None) -> None:
        self.model = model
        self.column = column
        self.related = related
        self._composed: dict[str, tuple[str, _Columns, _Columns | None]] = {}

    def get(self, value: Any) -> M | None:
        sql, own, joined = self._compose()
        key_field = self.model._meta.get_field(self.column)
        assert isinstance(key_field, Field)
        with connection.cursor() as cursor:
            cursor.execute(sql, [key_field.get_db_prep_value(value, connection)])
            row = cursor.fetchone()
        if row is None:
            return None
        width = len(own.names)
        found = own.build(row[:width])
        if joined is not None and self.related is not None:
            setattr(found, self.related, joined.build(row[width:]))
        assert isinstance(found, self.model)
        return found

    def _compose(self) -> tuple[str, _Columns, _Columns | None]:
        # Per database vendor: tests run the same process against SQLite and PostgreSQL.
        composed = self._composed.get(connection.vendor)
        if composed is None:
            composed = self._composed[connection.vendor] = self._write()
        return composed

    def _write(self) -> tuple[str, _Columns, _Columns | None]:
        meta = self.model._meta
        own = _Columns.of(self.model, "t")
        columns = [f"t.{_quoted(f.column)}" for f in meta.concrete_fields]
        source = f"{_quoted(meta.db_table)} t"
        joined = None
        if self.related is not None:
            foreign_key = meta.get_field(self.related)
            assert isinstance(foreign_key, ForeignKey)
            target = foreign_key.related_model
            assert isinstance(target, type)
            assert issubclass(target, Model)
            joined = _Columns.of(target, "r")
            columns += [f"r.{_quoted(f.column)}" for f in target._meta.concrete_fields]
            target_column = foreign_key.target_field.column
            source += (
                f" JOIN {_quoted(target._meta.db_table)} r"
                f" ON r.{_quoted(target_column)} = t.{_quoted(foreign_key.column)}"
            )
        key_field = meta.get_field(self.column)
        assert isinstance(key_field, Field)
        key_column = _quoted(key_field.column)
        sql = f"SELECT {', '.join(columns)} FROM {source} WHERE t.{key_column} = %s"  # noqa: S608
        return sql, own, joined


_insert_sql: dict[tuple[str, type[Model]], tuple[str, list[Field[Any, Any]]]] = {}


def insert(obj: Model) -> None:
    """INSERT a new ``obj`` (auto-increment primary key left unset) and set its key."""
    model = type(obj)
    key = (connection.vendor, model)
    composed = _insert_sql.get(key)
    if composed is None:
        composed = _insert_sql[key] = _write_insert(model)
    sql, fields = composed
    _check_related(obj, "insert")
    values = [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    assert row is not None
    obj.pk = row[0]
    obj._state.adding = False
    obj._state.db = connection.alias


def _write_insert(model: type[Model]) -> tuple[str, list[Field[Any, Any]]]:
    meta = model._meta
    auto = meta.auto_field
    if auto is None or meta.db_returning_fields != [auto]:
        raise TypeError(f"{meta.label}: insert() takes models whose only generated column is id")
    fields: list[Field[Any, Any]] = [f for f in meta.local_concrete_fields if f is not auto]
    sql = (
        f"INSERT INTO {_quoted(meta.db_table)} ({', '.join(_quoted(f.column) for f in fields)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {_quoted(auto.column)}"
    )
    return sql, fields


def insert_rows(objs: Sequence[Model], *, skip_conflicts: bool = False) -> int:
    """INSERT new objects of one model in one statement without reading their keys back;
    with ``skip_conflicts`` a row that breaks a unique constraint is left out. Returns how
    many rows were written."""
    if not objs:
        return 0
    model = type(objs[0])
    meta = model._meta
    fields = [f for f in meta.local_concrete_fields if f is not meta.auto_field]
    conflict = OnConflict.IGNORE if skip_conflicts else None
    row = f"({', '.join(['%s'] * len(fields))})"
    sql = (
        f"{connection.ops.insert_statement(on_conflict=conflict)} {_quoted(meta.db_table)} "
        f"({', '.join(_quoted(f.column) for f in fields)}) VALUES {', '.join([row] * len(objs))} "
        f"{connection.ops.on_conflict_suffix_sql(fields, conflict, None, None)}"
    )
    params: list[Any] = []
    for obj in objs:
        _check_related(obj, "insert_rows")
        params += [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)


def _check_related(obj: Model, operation: str) -> None:
    # As save() does: a related object assigned before it was saved is refused, and the
    # key of one saved since then is copied over.
    obj._prepare_related_fields_for_save(operation_name=operation)  # type: ignore[attr-defined]
