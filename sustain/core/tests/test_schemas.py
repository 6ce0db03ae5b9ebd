"""Input holds the JSON types the OpenAPI document declares (``core/schemas.In``)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pydantic import AwareDatetime, Field, ValidationError

from sustain.core.schemas import Id, In, omittable


class Change(In):
    title: str = omittable(max_length=20)
    note: str | None = None
    done: bool = False
    count: int = 0
    ids: list[Id] = []
    due: date | None = None
    since: AwareDatetime | None = None
    at: datetime | None = None
    share: float = Field(0.5, gt=0, lt=1)


def refused(**data: object) -> list[str]:
    with pytest.raises(ValidationError) as error:
        Change.model_validate(data)
    return [".".join(str(p) for p in e["loc"]) for e in error.value.errors()]


@pytest.mark.parametrize("body", ["abc", ["title", "x"], 5, None])
def test_input_that_is_no_object_is_refused(body):
    # ninja's Schema reads attributes of any object: "abc" would give title "abc".title().
    with pytest.raises(ValidationError):
        Change.model_validate(body)


def test_a_number_is_no_boolean_and_a_boolean_no_number():
    assert refused(done=0) == ["done"]
    assert refused(count=True) == ["count"]
    assert refused(share=True) == ["share"]
    assert refused(ids=[1, True]) == ["ids"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("due", 0), ("due", "0"), ("due", "2026-01-01T00:00"), ("since", 0.5), ("since", "0.5"),
     ("at", "1700000000"), ("at", "2026-01-01")],
)  # fmt: skip
def test_dates_and_times_are_iso_8601_strings(field, value):
    assert refused(**{field: value}) == [field]


def test_what_the_document_allows_is_taken():
    change = Change.model_validate(
        {
            "done": True,
            "count": 3,
            "ids": [1, 2],
            "due": "2026-03-01",
            "since": "2026-03-01T10:00Z",
            "at": "2026-03-01 10:00:00",
            "share": 0.75,
            "note": None,
        }
    )
    assert change.due == date(2026, 3, 1)
    assert change.since == datetime(2026, 3, 1, 10, tzinfo=UTC)
    # Query strings carry booleans and numbers as text, as their parameters are documented.
    assert Change.model_validate({"done": "true", "count": "3", "ids": ["4"]}).ids == [4]


def test_an_omittable_field_may_be_left_out_but_not_null():
    assert Change.model_validate({}).model_dump(exclude_unset=True) == {}
    assert refused(title=None) == ["title"]
    assert Change.model_validate({"title": "Renamed"}).title == "Renamed"
    assert "default" not in Change.model_json_schema()["properties"]["title"]
