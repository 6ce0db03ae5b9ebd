"""Bases for API answers and API input, and the validated integers of API input.

Answers are built from plain values, so they need none of Ninja's ORM-reading machinery:
plain pydantic models validate several times faster, which matters on every list page.

Input refuses the NUL character in every string: PostgreSQL cannot store it in a text column
("A string literal cannot contain NUL"), SQLite can. Refusing it at the edge, with a 422 that
names the field, gives the same answer on both databases and keeps it out of every service.
Input schemas derive from ``In``; a string taken as a plain parameter (a path or query
parameter, a form field) is typed ``Text``.

``In`` also holds input to the JSON types the OpenAPI document declares, where pydantic alone
would take more: an object where an object is declared (ninja's ``Schema`` would read the
attributes of anything, so a body ``"abc"`` became an article titled ``"Abc"``), no number
for a boolean or a date, no boolean for a number, an ISO 8601 string for a date or a date-time
(pydantic reads ``0.5`` as half a second after 1970). A field that may be left out of a change
but is never null is declared with ``omittable()``.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from typing import Annotated, Any

from ninja import Schema
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic.functional_validators import ModelWrapValidatorHandler
from pydantic_core import PydanticCustomError

NUL_MESSAGE = "Text must not contain the NUL character (\\u0000)."


def refuse_nul[V](value: V) -> V:
    """``value`` unchanged, unless a string in it (nested in lists, tuples, sets or dicts)
    holds a NUL character. Raised as a pydantic error, so the 422 names the field."""
    if _holds_nul(value):
        raise PydanticCustomError("nul_character", NUL_MESSAGE)
    return value


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple | set | frozenset):
        return any(_holds_nul(item) for item in value)
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    return False


Text = Annotated[str, AfterValidator(refuse_nul)]


class In(Schema):
    """Base of every input schema (JSON bodies, query parameters): no field holds a NUL, and
    a field the schema does not know is refused (422 naming it) rather than ignored, so a
    misspelt ``"priorty"`` is not a silent no-op, and each field holds the JSON type the
    document declares for it. Query parameters are unaffected by the refusal of unknown
    fields: Ninja hands each query schema only the parameters it declares."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="wrap")
    @classmethod
    def _an_object(cls, data: Any, handler: ModelWrapValidatorHandler[Any]) -> Any:
        if not isinstance(data, Mapping | BaseModel):
            raise PydanticCustomError("model_type", "Input should be an object")
        return handler(data)

    @field_validator("*", mode="before")
    @classmethod
    def _declared_type(cls, value: Any, info: ValidationInfo) -> Any:
        if info.field_name is not None:
            refuse_undeclared(value, _declared_types(cls).get(info.field_name))
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        # Nested schemas are In too, and have checked their own fields.
        return refuse_nul(value)


# The largest value the databases' columns hold: bigint for ids (SQLite's INTEGER is the same
# 64 bits), integer for counts and minutes. A larger number from a client would otherwise reach
# the database driver and fail there ("Python int too large to convert to SQLite INTEGER",
# "out of range for type bigint") as a server error; bounded here it is a 422 naming the field.
BIGINT_MAX = 2**63 - 1
INTEGER_MAX = 2**31 - 1

# Every id a client sends (path parameters, query filters, body fields, lists of ids).
Id = Annotated[int, Field(ge=1, le=BIGINT_MAX)]
# Every other whole number a client sends that is stored or compared in an integer column
# (SLA minutes, positions, revision numbers).
Quantity = Annotated[int, Field(ge=0, le=INTEGER_MAX)]


class Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class Ref(Out):
    """Something an answer refers to by id and name (a product, a category)."""

    id: int
    name: str


def omittable(**constraints: Any) -> Any:
    """A field of a change (PATCH) that may be left out but not sent as null: left out, it is
    None and unset (``dict(exclude_unset=True)`` drops it); null is refused with a 422. The
    document shows the field's type without a default."""
    return Field(None, json_schema_extra=_without_default, **constraints)


def _without_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


# --- the JSON types of input ----------------------------------------------------------------
@dataclass(frozen=True)
class Declared:
    """What the document declares for a field: its JSON types (``boolean``, ``integer``,
    ``string`` …), the ISO 8601 formats its strings must have (none if any string goes), and
    for an array the same of its items."""

    types: frozenset[str]
    iso_formats: frozenset[str]
    items: "Declared | None" = None


_ISO = {
    "date": re.compile(r"\d{4}-\d{2}-\d{2}\Z"),
    "date-time": re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}"),
}
_NUMBERS = frozenset({"integer", "number"})
_declared_cache: dict[type[BaseModel], dict[str, Declared]] = {}


def refuse_undeclared(value: Any, declared: Declared | None) -> None:
    """Raise a pydantic error if ``value`` is of a JSON type ``declared`` does not allow but
    pydantic would convert: a number to a boolean or a date, a boolean to a number, any
    string (``"0.5"``) to a date."""
    if declared is None:
        return
    if isinstance(value, list):
        if declared.items is not None:
            for item in value:
                refuse_undeclared(item, declared.items)
        return
    if isinstance(value, bool):
        if "boolean" not in declared.types and declared.types & _NUMBERS:
            raise PydanticCustomError("int_type", "Input should be a number, not a boolean")
    elif isinstance(value, int | float):
        if not declared.types & _NUMBERS and ("boolean" in declared.types or declared.iso_formats):
            raise PydanticCustomError("bool_type", "Input should not be a number")
    elif (
        isinstance(value, str)
        and declared.iso_formats
        and not any(_ISO[f].match(value) for f in declared.iso_formats)
    ):
        names = " or ".join(sorted(declared.iso_formats))
        raise PydanticCustomError(
            "iso_format", "Input should be an ISO 8601 {names}", {"names": names}
        )


def _declared_types(model: type[BaseModel]) -> dict[str, Declared]:
    found = _declared_cache.get(model)
    if found is None:
        properties = model.model_json_schema().get("properties", {})
        found = {}
        for name, field in model.model_fields.items():
            key = field.alias or name
            if key in properties:
                found[name] = _declared(properties[key])
        _declared_cache[model] = found
    return found


def _declared(schema: dict[str, Any]) -> Declared:
    types: set[str] = set()
    iso_formats: set[str] = set()
    any_string = False
    items: Declared | None = None
    for branch in schema.get("anyOf") or schema.get("oneOf") or [schema]:
        kind = branch.get("type")
        if kind is None:
            continue  # a reference: an enum or an object, which pydantic checks strictly
        types.add(kind)
        if kind == "string":
            if branch.get("format") in _ISO:
                iso_formats.add(branch["format"])
            else:
                any_string = True
        if kind == "array" and isinstance(branch.get("items"), dict):
            items = _declared(branch["items"])
    return Declared(frozenset(types), frozenset() if any_string else frozenset(iso_formats), items)


# A local time of day in an object's own time zone (a calendar's hours, a rotation's handover,
# the hour a schedule is due): no UTC offset, so not OpenAPI's `format: time` (RFC 3339's
# full-time, offset required) that pydantic would declare. Documented as what is sent both
# ways: HH:MM or HH:MM:SS[.ffffff].
_WALL_TIME = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$"
_WALL_TIME_RE = re.compile(_WALL_TIME)


def _wall_time(value: Any) -> Any:
    if isinstance(value, time) and value.tzinfo is None:
        return value
    if isinstance(value, str) and _WALL_TIME_RE.fullmatch(value):
        return time.fromisoformat(value)
    raise PydanticCustomError(
        "wall_time", "Give a time of day as HH:MM or HH:MM:SS, without a UTC offset."
    )


WallTime = Annotated[
    time,
    BeforeValidator(_wall_time),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": _WALL_TIME,
            "description": "Wall-clock time in the object's own time zone (no UTC offset)",
            "examples": ["09:00"],
        }
    ),
]
