"""A NUL character in any text is refused the same way on SQLite and PostgreSQL (which cannot
store it): the API answers 422 naming the field, pages answer 400, and nothing is written.

Every operation of the OpenAPI document is walked: each string field of its JSON or form body
(nested objects and lists included) and each string path or query parameter gets a NUL in
turn. ``sustain/core/schemas.py`` (``In``, ``Text``) and ``core/middleware.RefuseNulMiddleware``
are the two places that refuse it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from sustain.accounts.models import User
from sustain.api import api
from sustain.core.schemas import NUL_MESSAGE
from sustain.factories import make_token
from sustain.tickets.models import Ticket

# Long enough for any minimum length (passwords), short enough for any maximum.
NUL = "abcdef\x00ghij"
DOCUMENT = api.get_openapi_schema(path_prefix="/api/v1")


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = DOCUMENT["components"]["schemas"][name]
    return schema


def _options(schema: dict[str, Any]) -> list[dict[str, Any]]:
    schema = _resolve(schema)
    if "anyOf" in schema:
        return [_resolve(s) for s in schema["anyOf"] if s.get("type") != "null"]
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return [_resolve(schema["allOf"][0])]
    return [schema]


def _plain(schema: dict[str, Any]) -> bool:
    """A free text: any string at all is valid, so the NUL is the only thing wrong."""
    return not ({"enum", "format", "pattern", "const"} & set(schema))


def _strings(schema: dict[str, Any], path: list[str], depth: int = 0) -> Iterator[Any]:
    """(value with a NUL somewhere, the error's field path, whether the error must be the NUL
    message) for each string reachable in ``schema``."""
    if depth > 3:
        return
    for option in _options(schema):
        kind = option.get("type")
        if kind == "string" and option.get("format") != "binary":
            yield NUL, path, _plain(option)
        elif kind == "array":
            for value, inner, plain in _strings(option.get("items", {}), [*path, "0"], depth + 1):
                yield [value], inner, plain
        elif kind == "object" or "properties" in option:
            for name, prop in option.get("properties", {}).items():
                for value, inner, plain in _strings(prop, [*path, name], depth + 1):
                    yield {name: value}, inner, plain


def _operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, operations in DOCUMENT["paths"].items():
        for method, operation in operations.items():
            yield method.upper(), path, operation


def _signed(operation: dict[str, Any]) -> bool:
    """A body checked against a signature before it is read (the deployment webhook): an
    unsigned request never reaches its fields, so its own tests sign theirs and send the NUL
    (sustain/releases/tests/deployments/test_webhooks.py)."""
    parameters = operation.get("parameters", [])
    return any(p["in"] == "header" and p["name"] == "webhook-signature" for p in parameters)


def _cases() -> Iterator[Any]:
    for method, path, operation in _operations():
        if _signed(operation):
            continue
        params = operation.get("parameters", [])
        for param in params:
            if param["in"] not in ("path", "query"):
                continue
            for value, field, plain in _strings(param["schema"], [param["name"]]):
                if param["in"] == "query" and isinstance(value, list):
                    value = value[0]
                if isinstance(value, str):
                    yield pytest.param(
                        method,
                        path,
                        param["in"],
                        param["name"],
                        value,
                        field,
                        plain,
                        id=f"{method} {path} {param['in']}:{param['name']}",
                    )
        content = operation.get("requestBody", {}).get("content", {})
        for media, body in content.items():
            for value, field, plain in _strings(body["schema"], []):
                if not field:
                    continue
                where = "json" if media == "application/json" else "form"
                yield pytest.param(
                    method,
                    path,
                    where,
                    None,
                    value,
                    field,
                    plain,
                    id=f"{method} {path} {where}:{'.'.join(field)}",
                )


CASES = list(_cases())


def test_the_walk_reaches_bodies_and_parameters() -> None:
    kinds = {case.values[2] for case in CASES}
    assert kinds == {"path", "query", "json", "form"}, kinds
    assert len(CASES) > 100, len(CASES)


def _row_counts() -> dict[str, int]:
    return {m._meta.label: m._base_manager.count() for m in apps.get_models() if m._meta.managed}


@pytest.mark.parametrize(("method", "path", "where", "name", "value", "field", "plain"), CASES)
def test_api_refuses_nul(
    admin: User,
    bobs_ticket: Ticket,
    method: str,
    path: str,
    where: str,
    name: str | None,
    value: Any,
    field: list[str],
    plain: bool,
) -> None:
    _, raw = make_token(admin)
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    url = path
    for param in ("ref",):
        url = url.replace(f"{{{param}}}", bobs_ticket.number)
    query = ""
    if where == "path":
        assert name is not None
        url = path.replace(f"{{{name}}}", quote(value))
        url = url.replace("{ref}", bobs_ticket.number)
    elif where == "query":
        query = f"{name}={quote(value)}"
    # Every other path parameter is an id; the NUL is refused before any is looked up.
    while "{" in url:
        start = url.index("{")
        url = url[:start] + "1" + url[url.index("}", start) + 1 :]
    before = _row_counts()
    if where == "json":
        response = client.generic(
            method, url, data=json.dumps(value), content_type="application/json"
        )
    elif where == "form":
        response = client.post(url, data=value)
    else:
        response = client.generic(method, url, QUERY_STRING=query)
    assert response.status_code == 422, (response.status_code, response.content[:400])
    assert response["Content-Type"] == "application/problem+json"
    errors = response.json()["errors"]
    key = ".".join(field)
    # A list's NUL is reported on the list (``tags``), a union's on each branch
    # (``maintenance_type.str-enum[...]``).
    named = [k for k in errors if k == key or key.startswith(f"{k}.") or k.startswith(f"{key}.")]
    assert named, (key, errors)
    if plain:
        assert any(NUL_MESSAGE in errors[k] for k in named), (key, errors)
    assert _row_counts() == before


# --- pages ----------------------------------------------------------------------------------


def _page_patterns(
    resolver: URLResolver | None = None, prefix: str = ""
) -> Iterator[tuple[str, URLPattern]]:
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if not route.startswith("api/"):
                yield from _page_patterns(pattern, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern


def _page_url(route: str, text: str) -> str:
    """``route`` with each integer converter filled with 1 and each other with ``text``."""
    url = "/" + route

    def fill(match: re.Match[str]) -> str:
        return "1" if match.group(1) == "int" else quote(text, safe="")

    return re.sub(r"<(?:(\w+):)?\w+>", fill, url)


PAGE_ROUTES = sorted({route for route, _ in _page_patterns() if not route.startswith("^")})


def test_the_page_walk_covers_the_pages() -> None:
    assert {"tickets/", "portal/", "kb/", "settings/users/"} <= set(PAGE_ROUTES), PAGE_ROUTES


@pytest.mark.parametrize("route", PAGE_ROUTES)
def test_pages_refuse_nul(admin: User, bobs_ticket: Ticket, route: str) -> None:
    client = Client()
    client.force_login(admin)
    url = _page_url(route, "x")
    fields = {"q": NUL, "title": NUL, "body": NUL, "name": NUL, "tag_name": NUL}
    before = _row_counts()
    assert client.get(url, {"q": NUL}).status_code == 400
    response = client.post(url, fields)
    assert response.status_code == 400
    assert b"NUL character" in response.content
    if re.search(r"<(?!int:)[\w:]+>", route):
        assert client.get(_page_url(route, NUL)).status_code == 400
    assert _row_counts() == before
