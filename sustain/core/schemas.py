"""Base for API answers, and the validated integers of API input.

Answers are built from plain values, so they need none of Ninja's ORM-reading machinery:
plain pydantic models validate several times faster, which matters on every list page.
"""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

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
