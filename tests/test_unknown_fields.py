"""A JSON body with a field its schema does not know is refused with a 422 that names the
field, and changes nothing; every input schema derives from ``core.schemas.In``, which forbids
extra fields, and the OpenAPI document says so (``additionalProperties: false``).

Every operation of the document that takes a JSON body is walked, nested objects included.
Query parameters are not concerned: an unknown one is ignored, as before.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.test import Client

from sustain.accounts.models import User
from sustain.api import api
from sustain.core.testing import V1, assert_problem
from sustain.factories import make_token
from sustain.tickets.models import Ticket

DOCUMENT = api.get_openapi_schema(path_prefix="")
UNKNOWN = "zz_not_a_field"


def _signed(operation: dict[str, Any]) -> bool:
    """A body checked against a signature before it is read (the deployment webhook): an
    unsigned request never reaches its fields, so its own tests sign theirs and send the
    unknown field (sustain/releases/tests/deployments/test_webhooks.py)."""
    parameters = operation.get("parameters", [])
    return any(p["in"] == "header" and p["name"] == "webhook-signature" for p in parameters)


def _json_bodies() -> Iterator[Any]:
    for path, operations in DOCUMENT["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None and not _signed(operation):
                yield pytest.param(
                    method.upper(), path, body["schema"], id=f"{method.upper()} {path}"
                )


JSON_BODIES = list(_json_bodies())


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = DOCUMENT["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _objects(schema: dict[str, Any], where: str, seen: set[str]) -> Iterator[tuple[str, dict]]:
    """Every object schema with declared properties reachable from ``schema``."""
    ref = schema.get("$ref")
    if ref is not None:
        if ref in seen:
            return
        seen = seen | {ref}
    schema = _resolve(schema)
    for option in schema.get("anyOf", []) + schema.get("allOf", []):
        yield from _objects(option, where, seen)
    if "items" in schema:
        yield from _objects(schema["items"], f"{where}[]", seen)
    if "properties" in schema:
        yield where, schema
        for name, prop in schema["properties"].items():
            yield from _objects(prop, f"{where}.{name}", seen)


def test_the_walk_reaches_every_kind_of_write() -> None:
    assert {case.values[0] for case in JSON_BODIES} == {"POST", "PATCH", "PUT"}
    assert len(JSON_BODIES) > 20


def test_the_document_tells_clients_that_unknown_fields_are_refused() -> None:
    open_objects = [
        f"{case.id}: {where}"
        for case in JSON_BODIES
        for where, schema in _objects(case.values[2], "body", set())
        if schema.get("additionalProperties") is not False
    ]
    assert open_objects == []


def _row_counts() -> dict[str, int]:
    return {m._meta.label: m._base_manager.count() for m in apps.get_models() if m._meta.managed}


@pytest.mark.parametrize(("method", "path", "schema"), JSON_BODIES)
def test_an_unknown_field_is_refused_by_name(
    admin: User, bobs_ticket: Ticket, method: str, path: str, schema: dict[str, Any]
) -> None:
    _, raw = make_token(admin)
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    url = V1 + re.sub(r"\{[^}]+\}", "1", path.replace("{ref}", bobs_ticket.number))
    before = _row_counts()

    response = client.generic(method, url, f'{{"{UNKNOWN}": 1}}', "application/json")

    problem = assert_problem(response, 422)
    assert problem["errors"][UNKNOWN] == ["Extra inputs are not permitted"]
    assert _row_counts() == before


def test_a_user_patch_with_an_unknown_field_changes_nothing(admin: User, alice: User) -> None:
    _, raw = make_token(admin)
    client = Client(headers={"Authorization": f"Bearer {raw}"})

    response = client.patch(
        f"{V1}/users/{alice.pk}",
        {"full_name": "Alice A.", "email": "mallory@evil.test"},
        content_type="application/json",
    )

    assert assert_problem(response, 422)["errors"] == {"email": ["Extra inputs are not permitted"]}
    alice.refresh_from_db()
    assert (alice.full_name, alice.email) == ("Alice", "alice@sustain.test")


def test_unknown_query_parameters_are_still_ignored(admin: User) -> None:
    _, raw = make_token(admin)
    client = Client(headers={"Authorization": f"Bearer {raw}"})

    response = client.get(f"{V1}/users", {"limit": 5, "_": "1712345678"})

    assert response.status_code == 200, response.content
