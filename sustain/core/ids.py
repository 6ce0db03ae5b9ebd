"""Ids read from pages' URLs, query strings and forms, bounded as the API's ``Id`` is.

A number beyond the database's bigint fails in the driver ("Python int too large to convert to
SQLite INTEGER", "out of range for type bigint") as a server error, and ``str.isdigit``
accepts digits ``int`` cannot read ("²"). Every page reads an id through one of these, so such
input is an unknown id (404) or a form error, never a 500.
"""

from __future__ import annotations

from typing import Any

from django import forms

from sustain.core.schemas import BIGINT_MAX, INTEGER_MAX

_DIGITS = len(str(BIGINT_MAX))


def parse_id(raw: str | None) -> int | None:
    """The id in ``raw`` (ASCII digits, 1 to BIGINT_MAX), or None."""
    if not raw or len(raw) > _DIGITS or not (raw.isascii() and raw.isdigit()):
        return None
    number = int(raw)
    return number if 1 <= number <= BIGINT_MAX else None


class IdConverter:
    """``<id:...>`` in a URL pattern: Django's ``<int:...>`` takes any run of digits."""

    regex = f"[0-9]{{1,{_DIGITS}}}"

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise ValueError(value)  # Django's sign for "this pattern does not match": a 404
        return number

    def to_url(self, value: int | str) -> str:
        return str(value)


def id_field(**kwargs: Any) -> forms.IntegerField:
    """A form field for an id (or a revision number): a whole number the database can hold."""
    kwargs.setdefault("min_value", 1)
    return forms.IntegerField(max_value=BIGINT_MAX, **kwargs)


def quantity_field(**kwargs: Any) -> forms.IntegerField:
    """A form field for a stored whole number other than an id (SLA minutes, positions): the
    pages' match of the API's ``Quantity``."""
    kwargs.setdefault("min_value", 0)
    return forms.IntegerField(max_value=INTEGER_MAX, **kwargs)


class ModelIdsField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    """A ModelMultipleChoiceField whose values are ids checked before the query: Django's own
    looks every value up with ``pk__in``, which SQLite's driver cannot bind beyond 64 bits."""

    def clean(self, value: Any) -> Any:
        if self.to_field_name is None and isinstance(value, list | tuple):
            for pk in value:
                if parse_id(str(pk)) is None:
                    raise forms.ValidationError(
                        self.error_messages["invalid_choice"],
                        code="invalid_choice",
                        params={"value": pk},
                    )
        return super().clean(value)
