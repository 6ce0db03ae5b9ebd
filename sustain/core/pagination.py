"""Keyset (cursor) pagination: stable under inserts and fast at any depth.

A page gives a cursor for the page after it and, unless it is the first, one for the page
before it. A cursor holds the sort key of the row it starts from: the next page's is the
page's last row's, the previous page's the first row's, marked ``{"before": …}``. The page
before a row is read in the exact reverse of the list's order (where rows whose key is NULL
come first, as they come last in the list) and turned round, so going forward then back
gives the same page again."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
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
    prev_cursor: str | None = None


def _encode(values: list[Any], *, before: bool = False) -> str:
    key = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    raw = json.dumps({"before": key} if before else key)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


_FORGED = "This cursor is not one Sustain gave out."
# The range of the BIGINT (and smaller) columns a cursor's numbers are compared with: a larger
# number cannot be bound as a query parameter (an overflow on both databases).
_INT_MIN, _INT_MAX = -BIGINT_MAX - 1, BIGINT_MAX


def _forged() -> ValidationFailed:
    return ValidationFailed.field("cursor", _FORGED)


def _decode(cursor: str, count: int) -> tuple[list[Any], bool]:
    """The ``count`` values of a cursor, each a JSON scalar, and whether it asks for the page
    before them (``{"before": [...]}``) rather than after; anything else is refused.

    A cursor comes back from the client, so it may be forged: its shape is checked here and
    each value against the field it pages on by ``_typed`` (every caller goes through both)."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        raise _forged() from None
    before = isinstance(values, dict)
    if before:
        if list(values) != ["before"]:
            raise _forged()
        values = values["before"]
    if not isinstance(values, list) or len(values) != count:
        raise _forged()
    if any(v is not None and not isinstance(v, str | int | float) for v in values):
        raise _forged()
    if any(isinstance(v, bool) for v in values):
        raise _forged()
    return values, before


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
    _, nullable = _field(queryset.model, name)

    def key(row: R) -> list[Any]:
        return _key_of(row, name)

    if not cursor:
        rows = list(_keyset_order(queryset, name, descending, nullable)[: limit + 1])
        return _page(rows, limit, key=key, item=_itself, first=True)
    values, before = _decode(cursor, 2)
    value, last_pk = _clean(queryset.model, name, values)
    # The page before a row is the page after it in the reverse order, turned round.
    ordered = _keyset_order(queryset, name, descending != before, nullable, nulls_first=before)
    beyond = _beyond(name, descending != before, nullable, value, last_pk, nulls_first=before)
    rows = list(ordered.filter(beyond)[: limit + 1])
    return _page(
        rows,
        limit,
        key=key,
        item=_itself,
        before=before,
        from_start=lambda: paginate(queryset, order=order, cursor=None, limit=limit),
    )


def _itself[T](row: T) -> T:
    return row


def _page[K, R](
    rows: list[K],
    limit: int,
    *,
    key: Callable[[K], list[Any]],
    item: Callable[[K], R],
    first: bool = False,
    before: bool = False,
    from_start: Callable[[], Page[R]] | None = None,
) -> Page[R]:
    """The page out of ``rows``: read from the list's start (``first``), after a cursor, or
    before one (``before``: read in the reverse order). One row more than ``limit`` says that
    more follow that way. ``key`` gives a row's cursor values, ``item`` what the page holds."""
    if not before:
        page = rows[:limit]
        return Page(
            items=[item(row) for row in page],
            next_cursor=_encode(key(page[-1])) if len(rows) > limit else None,
            prev_cursor=None if first or not page else _encode(key(page[0]), before=True),
        )
    if len(rows) < limit and from_start is not None:
        # Fewer rows before it than a page (some went away): the list's start is the page.
        return from_start()
    page = rows[:limit][::-1]
    return Page(
        items=[item(row) for row in page],
        next_cursor=_encode(key(page[-1])) if page else None,
        prev_cursor=_encode(key(page[0]), before=True) if len(rows) > limit else None,
    )


def _keyset_order[M: Model, R](
    queryset: QuerySet[M, R],
    name: str,
    descending: bool,
    nullable: bool,
    *,
    nulls_first: bool = False,
) -> QuerySet[M, R]:
    """The list's order (NULLs last), or with ``nulls_first`` and the other direction, its
    exact reverse."""
    direction = "-" if descending else ""
    # Only nullable keys get a NULLS clause: on other columns it would stop PostgreSQL from
    # reading the rows in the order of an index declared without it.
    key: str | OrderBy = f"{direction}{name}"
    if nullable:
        nulls = {"nulls_first": True} if nulls_first else {"nulls_last": True}
        key = F(name).desc(**nulls) if descending else F(name).asc(**nulls)
    return queryset.order_by(key, f"{direction}pk")


def _beyond(
    name: str, descending: bool, nullable: bool, value: Any, last_pk: Any, *, nulls_first: bool
) -> Q:
    """The rows that come after (``value``, ``last_pk``) in the order ``_keyset_order``
    gives with the same arguments."""
    op = "lt" if descending else "gt"
    if value is None:
        tail = Q(**{f"{name}__isnull": True, f"pk__{op}": last_pk})
        return tail | Q(**{f"{name}__isnull": False}) if nulls_first else tail
    after = Q(**{f"{name}__{op}": value}) | Q(**{name: value, f"pk__{op}": last_pk})
    if nullable and not nulls_first:
        after |= Q(**{f"{name}__isnull": True})
    elif not nullable:
        # Implied by the OR above, but PostgreSQL cannot start an index range from an OR: with
        # it, a page deep in a long list reads from the cursor on, not from the list's start
        # (a product's versions at 1,000,000 rows: 150 ms → see bench/README.md).
        after &= Q(**{f"{name}__{op}e": value})
    return after


def _key_of(row: Any, name: str) -> list[Any]:
    # values() querysets give dicts; the cursor is the same either way.
    if isinstance(row, dict):
        return [row[name], row["id"]]
    return [getattr(row, name), row.pk]


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
    before = False
    if cursor:
        (raw_name, raw_group, raw_id), before = _decode(cursor, 3)
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
    # The page before a row is the page after it in the reverse order (the rows without a
    # group first), turned round.
    way = _Way(descending=descending != before, nulls_first=before)
    ids = queryset.order_by().values_list("pk", flat=True)
    rows = None
    if ids[: small + 1].count() > small:
        rows = _walk_within(walk_timeout_ms, queryset, sort, way, after, limit + 1)
    if rows is None:
        rows = _sorted_page(queryset, sort, way, after, limit + 1)
    return _page(
        rows,
        limit,
        key=list,
        item=lambda row: row[2],
        first=not cursor,
        before=before,
        from_start=lambda: paginate_by_name(
            queryset,
            sort,
            descending=descending,
            cursor=None,
            limit=limit,
            small=small,
            walk_timeout_ms=walk_timeout_ms,
        ),
    )


@dataclass(frozen=True)
class _Way:
    """Which way a name-sorted list is read: the list's own order (rows without a group
    last), or its exact reverse (``nulls_first``, with the other direction)."""

    descending: bool
    nulls_first: bool = False


_Row = tuple[Any, int | None, int]  # (name, related id, own id)


def _sorted_page(
    queryset: QuerySet[Any],
    sort: NameSort,
    way: _Way,
    after: _Row | None,
    count: int,
) -> list[_Row]:
    path = f"{sort.relation}__{sort.name}"
    group = f"{sort.relation}_id"
    nulls = {"nulls_first": True} if way.nulls_first else {"nulls_last": True}
    if way.descending:
        keys = [F(path).desc(**nulls), F(group).desc(**nulls), F("pk").desc()]
    else:
        keys = [F(path).asc(**nulls), F(group).asc(**nulls), F("pk").asc()]
    rows = queryset.order_by(*keys)
    if after is not None:
        rows = rows.filter(_after(sort, way, after))
    return [tuple(r) for r in rows.values_list(path, group, "pk")[:count]]


def _after(sort: NameSort, way: _Way, after: _Row) -> Q:
    path = f"{sort.relation}__{sort.name}"
    group = f"{sort.relation}_id"
    name, group_id, last_id = after
    op = "lt" if way.descending else "gt"
    if group_id is None:
        rest = Q(**{f"{group}__isnull": True, f"pk__{op}": last_id})
        # Read in reverse, every row with a group comes after those without.
        return rest | Q(**{f"{group}__isnull": False}) if way.nulls_first else rest
    named = (
        Q(**{f"{path}__{op}": name})
        | Q(**{path: name, f"{group}__{op}": group_id})
        | Q(**{path: name, group: group_id, f"pk__{op}": last_id})
    )
    return named if way.nulls_first else named | Q(**{f"{group}__isnull": True})


def _walk_within(
    timeout_ms: int,
    queryset: QuerySet[Any],
    sort: NameSort,
    way: _Way,
    after: _Row | None,
    count: int,
) -> list[_Row] | None:
    """The walk's rows, or None when it was stopped by the time limit."""
    if connection.vendor != "postgresql":
        return _walked_page(queryset, sort, way, after, count)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('statement_timeout'), "
                "set_config('statement_timeout', %s, true)",
                [str(int(timeout_ms))],
            )
            before = cursor.fetchone()[0]
            rows = _walked_page(queryset, sort, way, after, count)
            # The setting lasts to the end of the outermost transaction, which may go on.
            cursor.execute("SELECT set_config('statement_timeout', %s, true)", [before])
            return rows
    except OperationalError:
        # Cancelled by the limit (psycopg's QueryCanceled is an OperationalError).
        return None


def _walked_page(
    queryset: QuerySet[Any],
    sort: NameSort,
    way: _Way,
    after: _Row | None,
    count: int,
) -> list[_Row]:
    in_ungrouped = after is not None and after[1] is None
    named_after = None if in_ungrouped else after
    ungrouped_after = after[2] if after is not None and in_ungrouped else None
    rows: list[_Row] = []
    if way.nulls_first:
        # Read in reverse: the rows without a group first, then the groups.
        if after is None or in_ungrouped:
            rows += _ungrouped(queryset, sort, way, ungrouped_after, count)
        if len(rows) < count:
            rows += _named_walk(queryset, sort, way, named_after, count - len(rows))
        return rows[:count]
    if not in_ungrouped:
        rows += _named_walk(queryset, sort, way, named_after, count)
    if len(rows) < count:
        rows += _ungrouped(queryset, sort, way, ungrouped_after, count - len(rows))
    return rows[:count]


def _ungrouped(
    queryset: QuerySet[Any], sort: NameSort, way: _Way, after_id: int | None, count: int
) -> list[_Row]:
    """The rows without a group (no assignee…), in id order, after ``after_id`` if given."""
    rest = queryset.filter(**{f"{sort.relation}_id__isnull": True})
    if after_id is not None:
        rest = rest.filter(**{f"pk__{'lt' if way.descending else 'gt'}": after_id})
    return [(None, None, pk) for pk in _ids(rest, "-" if way.descending else "", count)]


def _named_walk(
    queryset: QuerySet[Any],
    sort: NameSort,
    way: _Way,
    after: _Row | None,
    count: int,
) -> list[_Row]:
    """The rows with a group, group after group in name order, after ``after`` (a row with
    a group) if given."""
    direction = "-" if way.descending else ""
    op = "lt" if way.descending else "gt"
    group = f"{sort.relation}_id"
    rows: list[_Row] = []
    # Only groups that hold a ticket at all: people who never requested or were assigned one
    # (often the first names in order) would each cost a part of the walk's queries.
    holding = queryset.model._base_manager.filter(**{sort.relation: OuterRef("pk")})
    groups = sort.groups.filter(Exists(holding)).order_by(
        f"{direction}{sort.name}", f"{direction}pk"
    )
    if after is not None:
        name, group_id, last_id = after
        # The rest of the group the last page ended in, then the groups after it.
        current = queryset.filter(**{group: group_id, f"pk__{op}": last_id})
        rows += [(name, group_id, pk) for pk in _ids(current, direction, count)]
        groups = groups.filter(
            Q(**{f"{sort.name}__{op}": name}) | Q(**{sort.name: name, f"pk__{op}": group_id})
        )
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
