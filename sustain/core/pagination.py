"""Keyset (cursor) pagination: stable under inserts and fast at any depth."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Field, Model, Q, QuerySet

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


def _clean(model: type[Model], name: str, values: list[Any]) -> list[Any]:
    # A cursor decodes to whatever JSON its sender wrote; values the fields cannot take would
    # otherwise surface as a database error (500) instead of a bad-input answer.
    field, pk = model._meta.get_field(name), model._meta.pk
    assert isinstance(field, Field)
    assert pk is not None
    value, last_pk = values
    try:
        return [field.to_python(value), pk.to_python(last_pk)]
    except (ValidationError, TypeError, ValueError):
        raise ValidationFailed.field("cursor", "This cursor is not one Sustain gave out.") from None


def paginate[M: Model, R](
    queryset: QuerySet[M, R], *, order: str, cursor: str | None, limit: int
) -> Page[R]:
    """Order by ``order`` (a field, optionally prefixed with '-') then by id the same way."""
    descending = order.startswith("-")
    name = order.lstrip("-")
    direction = "-" if descending else ""
    queryset = queryset.order_by(f"{direction}{name}", f"{direction}pk")
    if cursor:
        value, last_pk = _clean(queryset.model, name, _decode(cursor, 2))
        op = "lt" if descending else "gt"
        queryset = queryset.filter(
            Q(**{f"{name}__{op}": value}) | Q(**{name: value, f"pk__{op}": last_pk})
        )
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
