"""Keyset (cursor) pagination: stable under inserts and fast at any depth."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import F, Field, Model, OrderBy, Q, QuerySet

from sustain.core.errors import ValidationFailed


@dataclass(frozen=True)
class Page[T]:
    items: list[T]
    next_cursor: str | None


def _encode(values: list[Any]) -> str:
    raw = json.dumps([v.isoformat() if isinstance(v, datetime) else v for v in values])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, count: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise ValidationFailed.field("cursor", "This cursor is not one Sustain gave out.") from None
    if not isinstance(values, list) or len(values) != count:
        raise ValidationFailed.field("cursor", "This cursor is not one Sustain gave out.")
    return values


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
    # A cursor decodes to whatever JSON its sender wrote; values the fields cannot take would
    # otherwise surface as a database error (500) instead of a bad-input answer.
    field, nullable = _field(model, name)
    pk = model._meta.pk
    assert pk is not None
    value, last_pk = values
    try:
        if value is None and nullable:
            return [None, pk.to_python(last_pk)]
        return [field.to_python(value), pk.to_python(last_pk)]
    except (ValidationError, TypeError, ValueError):
        raise ValidationFailed.field("cursor", "This cursor is not one Sustain gave out.") from None


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
