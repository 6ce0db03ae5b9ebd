"""Keyset (cursor) pagination: stable under inserts and fast at any depth."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import OperationalError, connection, transaction
from django.db.models import Exists, F, Field, Model, OrderBy, OuterRef, Q, QuerySet
from django.utils import timezone

from sustain.core.errors import ValidationFailed
from sustain.core.schemas import BIGINT_MAX


@dataclass(frozen=True)
class Page[T]:
    items: list[T]
    next_cursor: str | None


def _encode(values: list[Any]) -> str:
    raw = json.dumps([v.isoformat() if isinstance(v, datetime) else v for v in values])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


_FORGED = "This cursor is not one Sustain gave out."
# The range of the BIGINT (and smaller) columns a cursor's numbers are compared with: a larger
# number cannot be bound as a query parameter (an overflow on both databases).
_INT_MIN, _INT_MAX = -BIGINT_MAX - 1, BIGINT_MAX


def _forged() -> ValidationFailed:
    return ValidationFailed.field("cursor", _FORGED)


def _decode(cursor: str, count: int) -> list[Any]:
    """The ``count`` values of a cursor, each a JSON scalar; anything else is refused.

    A cursor comes back from the client, so it may be forged: its shape is checked here and
    each value against the field it pages on by ``_typed`` (every caller goes through both)."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        raise _forged() from None
    if not isinstance(values, list) or len(values) != count:
        raise _forged()
    if any(v is not None and not isinstance(v, str | int | float) for v in values):
        raise _forged()
    if any(isinstance(v, bool) for v in values):
        raise _forged()
    return values


def _typed(field: Field[Any, Any], raw: Any, *, nullable: bool) -> Any:
    """``raw`` as a value of ``field`` that the database can compare with, or ValidationFailed.

    Everything that could otherwise reach the database as an error (a 500) is refused: NULL
    for a column that holds none, a number beyond 64 bits, a date that is no date, a naive
    date-time, a NUL character (PostgreSQL refuses it in any string)."""
    if raw is None:
        if nullable:
            return None
        raise _forged()
    if isinstance(raw, str) and "\x00" in raw:
        raise _forged()
    try:
        value = field.to_python(raw)
    except (ValidationError, TypeError, ValueError, OverflowError):
        raise _forged() from None
    if value is None:
        raise _forged()
    if isinstance(value, int) and not _INT_MIN <= value <= _INT_MAX:
        raise _forged()
    if isinstance(value, datetime) and timezone.is_naive(value):
        raise _forged()
    if isinstance(value, str) and "\x00" in value:
        raise _forged()
    return value


def _field(model: type[Model], path: str) -> tuple[Field[Any, Any], bool]:
    """The field ``path`` names (``title`` or ``assignee__full_name``), and whether it can be
    NULL in a row: a nullable column, or one reached through a nullable relation."""
    *relations, name = path.split("__")
    nullable = False
    for relation in relations:
        link = model._meta.get_field(relation)
        assert isinstance(link, Field)
        assert link.related_model is not None
        nullable |= link.null
        model = link.related_model
    field = model._meta.get_field(name)
    assert isinstance(field, Field)
    return field, nullable or field.null


def _clean(model: type[Model], name: str, values: list[Any]) -> list[Any]:
    field, nullable = _field(model, name)
    pk = model._meta.pk
    assert pk is not None
    value, last_pk = values
    return [_typed(field, value, nullable=nullable), _typed(pk, last_pk, nullable=False)]


def paginate[M: Model, R](
    queryset: QuerySet[M, R], *, order: str, cursor: str | None, limit: int
) -> Page[R]:
    """Order by ``order`` (a field or a path like ``team__name``, optionally prefixed with
    '-') then by id the same way. Rows whose value is NULL come last in both directions."""
    descending = order.startswith("-")
    name = order.lstrip("-")
    direction = "-" if descending else ""
    _, nullable = _field(queryset.model, name)
    # Only nullable keys get NULLS LAST: on other columns it would stop PostgreSQL from
    # reading the rows in the order of an index declared without it.
    key: str | OrderBy = f"{direction}{name}"
    if nullable:
        key = F(name).desc(nulls_last=True) if descending else F(name).asc(nulls_last=True)
    queryset = queryset.order_by(key, f"{direction}pk")
    if cursor:
        value, last_pk = _clean(queryset.model, name, _decode(cursor, 2))
        op = "lt" if descending else "gt"
        if value is None:
            after = Q(**{f"{name}__isnull": True, f"pk__{op}": last_pk})
        else:
            after = Q(**{f"{name}__{op}": value}) | Q(**{name: value, f"pk__{op}": last_pk})
            if nullable:
                after |= Q(**{f"{name}__isnull": True})
        queryset = queryset.filter(after)
    rows = list(queryset[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        # values() querysets give dicts; the cursor is the same either way.
        if isinstance(last, dict):
            next_cursor = _encode([last[name], last["id"]])
        else:
            next_cursor = _encode([getattr(last, name), getattr(last, "pk")])  # noqa: B009
    return Page(items=rows, next_cursor=next_cursor)


@dataclass(frozen=True)
class NameSort:
    """A sort of ``relation``'s rows by a name on the related model (``assignee`` by
    ``full_name``): the order is (name, related id, own id), rows without one come last.

    ``groups`` are the related rows that can appear (all teams; only staff for assignees),
    which keeps the walk below from probing people who can never hold a ticket."""

    relation: str
    name: str
    groups: QuerySet[Any]


# At or below this many matching rows, sorting them all is cheaper than walking the groups.
NAME_SORT_SMALL = 5_000
# A walk's query that runs longer than this gives way to the sort (PostgreSQL only).
NAME_WALK_TIMEOUT_MS = 40
_FIRST_CHUNK = 8
# Stands for a group's id in the walk's query (ids are positive).
_GROUP_MARK = -7_340_032_001
_MAX_CHUNK = 256  # parts per UNION ALL: planning a query grows with it


def paginate_by_name(
    queryset: QuerySet[Any],
    sort: NameSort,
    *,
    descending: bool,
    cursor: str | None,
    limit: int,
    small: int = NAME_SORT_SMALL,
    walk_timeout_ms: int = NAME_WALK_TIMEOUT_MS,
) -> Page[int]:
    """The ids of one page of ``queryset`` sorted by a related name.

    No index can serve an order by a joined name, so sorting a million rows reads all of them
    (0.2 s on PostgreSQL). When many rows match, this walks the groups (the people, the
    teams…) in name order instead and takes each one's rows from an index on
    (relation, id), a few groups per query, stopping once the page is full. Few matches are
    simply sorted, and so are the rows of a walk that takes too long (many matches, but
    few in the groups that come first: each empty group costs a read of all its rows).
    Both ways give the same order and the same cursors, so a list that
    crosses the threshold between two pages goes on where it was."""
    after: tuple[Any, int | None, int] | None = None
    if cursor:
        raw_name, raw_group, raw_id = _decode(cursor, 3)
        name_field = sort.groups.model._meta.get_field(sort.name)
        group_pk = sort.groups.model._meta.pk
        own_pk = queryset.model._meta.pk
        assert isinstance(name_field, Field)
        assert group_pk is not None
        assert own_pk is not None
        # Rows without a group (no assignee) have no name either, and only those.
        after = (
            _typed(name_field, raw_name, nullable=raw_group is None),
            _typed(group_pk, raw_group, nullable=True),
            _typed(own_pk, raw_id, nullable=False),
        )
    ids = queryset.order_by().values_list("pk", flat=True)
    rows = None
    if ids[: small + 1].count() > small:
        rows = _walk_within(walk_timeout_ms, queryset, sort, descending, after, limit + 1)
    if rows is None:
        rows = _sorted_page(queryset, sort, descending, after, limit + 1)
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = _encode(list(rows[-1]))
    return Page(items=[row[2] for row in rows], next_cursor=next_cursor)


_Row = tuple[Any, int | None, int]  # (name, related id, own id)


def _sorted_page(
    queryset: QuerySet[Any],
    sort: NameSort,
    descending: bool,
    after: _Row | None,
    count: int,
) -> list[_Row]:
    path = f"{sort.relation}__{sort.name}"
    group = f"{sort.relation}_id"
    if descending:
        keys = [F(path).desc(nulls_last=True), F(group).desc(nulls_last=True), F("pk").desc()]
    else:
        keys = [F(path).asc(nulls_last=True), F(group).asc(nulls_last=True), F("pk").asc()]
    rows = queryset.order_by(*keys)
    if after is not None:
        rows = rows.filter(_after(sort, descending, after))
    return [tuple(r) for r in rows.values_list(path, group, "pk")[:count]]


def _after(sort: NameSort, descending: bool, after: _Row) -> Q:
    path = f"{sort.relation}__{sort.name}"
    group = f"{sort.relation}_id"
    name, group_id, last_id = after
    op = "lt" if descending else "gt"
    if group_id is None:
        return Q(**{f"{group}__isnull": True, f"pk__{op}": last_id})
    return (
        Q(**{f"{path}__{op}": name})
        | Q(**{path: name, f"{group}__{op}": group_id})
        | Q(**{path: name, group: group_id, f"pk__{op}": last_id})
        | Q(**{f"{group}__isnull": True})
    )


def _walk_within(
    timeout_ms: int,
    queryset: QuerySet[Any],
    sort: NameSort,
    descending: bool,
    after: _Row | None,
    count: int,
) -> list[_Row] | None:
    """The walk's rows, or None when it was stopped by the time limit."""
    if connection.vendor != "postgresql":
        return _walked_page(queryset, sort, descending, after, count)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('statement_timeout'), "
                "set_config('statement_timeout', %s, true)",
                [str(int(timeout_ms))],
            )
            before = cursor.fetchone()[0]
            rows = _walked_page(queryset, sort, descending, after, count)
            # The setting lasts to the end of the outermost transaction, which may go on.
            cursor.execute("SELECT set_config('statement_timeout', %s, true)", [before])
            return rows
    except OperationalError:
        # Cancelled by the limit (psycopg's QueryCanceled is an OperationalError).
        return None


def _walked_page(
    queryset: QuerySet[Any],
    sort: NameSort,
    descending: bool,
    after: _Row | None,
    count: int,
) -> list[_Row]:
    direction = "-" if descending else ""
    op = "lt" if descending else "gt"
    group = f"{sort.relation}_id"
    rows: list[_Row] = []
    # Only groups that hold a ticket at all: people who never requested or were assigned one
    # (often the first names in order) would each cost a part of the walk's queries.
    holding = queryset.model._base_manager.filter(**{sort.relation: OuterRef("pk")})
    groups = sort.groups.filter(Exists(holding)).order_by(
        f"{direction}{sort.name}", f"{direction}pk"
    )
    if after is not None and after[1] is not None:
        name, group_id, last_id = after
        # The rest of the group the last page ended in, then the groups after it.
        current = queryset.filter(**{group: group_id, f"pk__{op}": last_id})
        rows += [(name, group_id, pk) for pk in _ids(current, direction, count)]
        groups = groups.filter(
            Q(**{f"{sort.name}__{op}": name}) | Q(**{sort.name: name, f"pk__{op}": group_id})
        )
    if after is None or after[1] is not None:
        chunk = _FIRST_CHUNK
        offset = 0
        while len(rows) < count:
            batch = list(groups.values_list("pk", sort.name)[offset : offset + chunk])
            if not batch:
                break
            rows += _probe(queryset, group, batch, direction, count - len(rows))
            if len(batch) < chunk:
                break
            offset += chunk
            chunk = min(chunk * 4, _MAX_CHUNK)
    if len(rows) < count:
        rest = queryset.filter(**{f"{group}__isnull": True})
        if after is not None and after[1] is None:
            rest = rest.filter(**{f"pk__{op}": after[2]})
        rows += [(None, None, pk) for pk in _ids(rest, direction, count - len(rows))]
    return rows[:count]


def _ids(queryset: QuerySet[Any], direction: str, count: int) -> list[int]:
    return list(queryset.order_by(f"{direction}pk").values_list("pk", flat=True)[:count])


def _probe(
    queryset: QuerySet[Any],
    group: str,
    batch: list[tuple[int, Any]],
    direction: str,
    count: int,
) -> list[_Row]:
    """The first ``count`` rows of each group in ``batch``, in one query (UNION ALL of one
    index range per group), returned in the batch's order."""
    # Each part is the same query but for its group's id: composed once (composing 256 of
    # them through the ORM took longer than running them), with a marker where the id goes.
    one = queryset.filter(**{group: _GROUP_MARK}).order_by(f"{direction}pk")
    sql, template = one.values_list("pk", flat=True)[:count].query.sql_with_params()
    slots = [i for i, value in enumerate(template) if value == _GROUP_MARK]
    if len(slots) != 1:
        raise RuntimeError(f"the walk's query holds its group {len(slots)} times, not once")
    parts: list[str] = []
    params: list[Any] = []
    for index, (group_id, _) in enumerate(batch):
        one_params = list(template)
        one_params[slots[0]] = group_id
        parts.append(f"SELECT %s, p{index}.* FROM ({sql}) AS p{index}")  # noqa: S608
        params.extend([index, *one_params])
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        found = cursor.fetchall()
    found.sort(key=lambda row: row[0])  # UNION ALL keeps no order; each part is in order
    by_index: dict[int, list[int]] = {}
    for index, pk in found:
        by_index.setdefault(index, []).append(pk)
    rows: list[_Row] = []
    for index, (group_id, name) in enumerate(batch):
        ids = by_index.get(index, [])
        ids.sort(reverse=direction == "-")
        rows += [(name, group_id, pk) for pk in ids]
        if len(rows) >= count:
            break
    return rows[:count]
