"""Base for API answers.

Answers are built from plain values, so they need none of Ninja's ORM-reading machinery:
plain pydantic models validate several times faster, which matters on every list page.
"""

from pydantic import BaseModel, ConfigDict


class Out(BaseModel):
    model_config = ConfigDict(frozen=True)
