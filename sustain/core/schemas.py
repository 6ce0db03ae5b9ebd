"""Bases for API answers and API input, and the validated integers of API input.

Answers are built from plain values, so they need none of Ninja's ORM-reading machinery:
plain pydantic models validate several times faster, which matters on every list page.

Input refuses the NUL character in every string: PostgreSQL cannot store it in a text column
("A string literal cannot contain NUL"), SQLite can. Refusing it at the edge, with a 422 that
names the field, gives the same answer on both databases and keeps it out of every service.
Input schemas derive from ``In``; a string taken as a plain parameter (a path or query
parameter, a form field) is typed ``Text``.
"""

from typing import Annotated, Any

from ninja import Schema
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator
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
    misspelt ``"priorty"`` is not a silent no-op. Query parameters are unaffected: Ninja
    hands each query schema only the parameters it declares."""

    model_config = ConfigDict(extra="forbid")

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
