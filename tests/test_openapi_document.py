"""The OpenAPI document says what the API does: the errors of each operation, who may call
it, and input and output as they really are.

``sustain/core/openapi.py`` declares the errors that follow from an operation's shape; the
operations declare those that depend on their service (``Problem`` in their ``response=``).
What each operation answers each persona is held to the document by the permission matrix
(``tests/test_permission_matrix.py``) and, for generated input, by the schemathesis run
(``tests/test_schemathesis.py``); this file checks the document itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from tests.api_world import World

V1 = "/api/v1"
UNSAFE = {"post", "put", "patch", "delete"}
PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


@pytest.fixture
def document(db) -> dict[str, Any]:
    # The document as clients get it.
    response = Client().get(f"{V1}/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield method, path, operation


def declared(operation: dict[str, Any]) -> set[int]:
    return {int(status) for status in operation["responses"]}


def test_every_operation_declares_the_errors_its_shape_gives(document):
    wrong = {}
    for method, path, operation in operations(document):
        parameters = operation.get("parameters", [])
        body = operation.get("requestBody")
        security = operation.get("security", [])
        needs_caller = bool(security) and {} not in security
        expected = {
            400: bool(body) and "application/json" in body["content"],
            401: needs_caller,
            403: needs_caller and method in UNSAFE,
            404: any(p["in"] == "path" for p in parameters),
            413: bool(body),
            422: bool(parameters or body),
        }
        missing = {status for status, due in expected.items() if due} - declared(operation)
        if missing:
            wrong[f"{method.upper()} {path}"] = sorted(missing)
    assert wrong == {}


def test_an_operation_without_input_declares_no_invalid_input(document):
    without_input = [
        f"{method.upper()} {path}"
        for method, path, operation in operations(document)
        if not operation.get("parameters") and "requestBody" not in operation
    ]
    assert f"GET {V1}/users/me" in without_input
    assert [op for op in without_input if 422 in _statuses(document, op)] == []


def _statuses(document: dict[str, Any], label: str) -> set[int]:
    method, path = label.split(" ", 1)
    return declared(document["paths"][path][method.lower()])


def test_every_error_is_a_problem_document(document):
    not_problems = [
        f"{method.upper()} {path} {status}"
        for method, path, operation in operations(document)
        for status, response in operation["responses"].items()
        if int(status) >= 400 and response.get("content") != PROBLEM
    ]
    assert not_problems == []
    problem = document["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail"}
    assert {"errors", "allowed"} <= set(problem["properties"])


def test_reads_open_to_anonymous_visitors_declare_optional_security(document):
    anonymous = {
        f"{method.upper()} {path}"
        for method, path, operation in operations(document)
        if {} in operation.get("security", [])
    }
    # The public reads of the knowledge base and of release notes (tests/test_permission_matrix.py
    # checks that exactly these answer callers without a token).
    assert anonymous == {
        f"GET {V1}/kb/articles",
        f"GET {V1}/kb/articles/{{article_id}}",
        f"GET {V1}/kb/permalinks/{{slug}}",
        f"GET {V1}/kb/search",
        f"GET {V1}/kb/suggest",
        f"GET {V1}/kb/categories",
        f"GET {V1}/kb/articles/{{article_id}}/attachments",
        f"GET {V1}/kb/articles/{{article_id}}/attachments/{{attachment_id}}",
        # Published release notes are public (drafts answer staff only).
        f"GET {V1}/releases",
        f"GET {V1}/releases/{{release_id}}",
        # Not a read: deployment reports from CI/CD, signed with the hook's secret instead of
        # a token (sustain/releases/deployments/webhooks.py).
        f"POST {V1}/deployment-hooks/{{hook_id}}/deliveries",
    }
    for label in anonymous:
        assert 401 not in _statuses(document, label), label


def _all_schemas(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from _all_schemas(item)
    elif isinstance(value, list):
        for item in value:
            yield from _all_schemas(item)


def test_no_time_of_day_is_documented_with_a_utc_offset_it_does_not_have(document):
    # OpenAPI's `format: time` is RFC 3339's full-time, whose offset is required: a calendar's
    # hours are wall-clock times of its zone, sent and taken without one.
    assert [s for s in _all_schemas(document) if s.get("format") == "time"] == []
    interval = document["components"]["schemas"]["IntervalOut"]["properties"]["start"]
    assert interval["type"] == "string"
    assert "pattern" in interval


def test_calendar_hours_are_sent_as_documented_and_an_offset_is_refused(document, api_world):
    admin = Client(headers={"Authorization": f"Bearer {api_world.tokens['admin']}"})
    pattern = document["components"]["schemas"]["IntervalOut"]["properties"]["start"]["pattern"]

    calendar = admin.get(f"{V1}/sla/calendars/{api_world.ids['calendar_id']}").json()
    hours = [i[key] for i in calendar["intervals"] for key in ("start", "end")]
    assert hours == ["09:00:00", "17:00:00"]
    assert all(re.fullmatch(pattern, h) for h in hours)

    body = {
        "name": "Night desk",
        "time_zone": "Europe/Berlin",
        "intervals": [{"weekday": 0, "start": "22:00+02:00", "end": "23:00"}],
    }
    response = admin.post(f"{V1}/sla/calendars", json.dumps(body), content_type="application/json")
    assert response.status_code == 422
    assert "intervals.0.start" in response.json()["errors"]


def _nullable(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "null" or any(
        branch.get("type") == "null" for branch in schema.get("anyOf", [])
    )


def test_null_is_refused_exactly_where_the_document_forbids_it(document, api_world: World):
    """Each field of each JSON body, sent as null: a 422 naming it where the document does not
    allow null, and neither that nor a server error where it does."""
    admin = Client(
        headers={"Authorization": f"Bearer {api_world.tokens['admin']}"},
        raise_request_exception=False,
    )
    schemas = document["components"]["schemas"]
    wrong = {}
    for method, path, operation in operations(document):
        content = operation.get("requestBody", {}).get("content", {})
        reference = content.get("application/json", {}).get("schema", {}).get("$ref")
        if reference is None:
            continue
        url = path.format(**api_world.path_ids(path))
        for name, field in schemas[reference.rsplit("/", 1)[-1]]["properties"].items():
            body = json.dumps({name: None})
            response = admin.generic(method.upper(), url, body, content_type="application/json")
            named = response.json().get("errors", {}) if response.status_code == 422 else {}
            # A field of a union type is named with the member: "maintenance_type.literal['']".
            refused = any(key == name or key.startswith(f"{name}.") for key in named)
            if response.status_code >= 500 or refused == _nullable(field):
                wrong[f"{method.upper()} {path} {name}"] = response.status_code
    assert wrong == {}
