"""Integers a database column cannot hold are refused as input, on every operation of /api/v1/.

The OpenAPI document is walked: every integer path parameter, integer query parameter and
integer (or list-of-integer) body field of every operation gets a number beyond 64 bits, one
beyond bigint and a negative one. Each must be a 422 problem naming the field — never a 500
from the database driver ("Python int too large to convert to SQLite INTEGER", "out of range
for type bigint") — and nothing may be written. Runs on whichever database DATABASE_URL names.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLResolver, get_resolver

from sustain.accounts.models import User
from sustain.api import api
from sustain.tickets.models import Ticket

BAD = [2**64, 10**20, -1]
_DOC = api.get_openapi_schema()
_SCHEMAS: dict[str, Any] = _DOC["components"]["schemas"]


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = _SCHEMAS[schema["$ref"].rsplit("/", 1)[1]]
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return _resolve(schema["allOf"][0])
    return schema


def _variants(schema: dict[str, Any]) -> list[dict[str, Any]]:
    schema = _resolve(schema)
    return [_resolve(s) for s in schema.get("anyOf", [])] or [schema]


def _is_integer(schema: dict[str, Any]) -> bool:
    return any(v.get("type") == "integer" for v in _variants(schema))


def _is_integer_list(schema: dict[str, Any]) -> bool:
    return any(
        v.get("type") == "array" and _is_integer(v.get("items", {})) for v in _variants(schema)
    )


def _minimal(schema: dict[str, Any]) -> Any:
    """A plausible value for a required field, so that the bad integer is the point."""
    variant = _variants(schema)[0]
    if "enum" in variant:
        return variant["enum"][0]
    kind = variant.get("type")
    if kind == "object" or "properties" in variant:
        return {
            k: _minimal(p)
            for k, p in variant.get("properties", {}).items()
            if k in variant.get("required", [])
        }
    if kind == "array":
        return [_minimal(variant.get("items", {}))] * variant.get("minItems", 0)
    if kind == "integer":
        return max(1, variant.get("minimum", 1))
    if kind == "boolean":
        return False
    return {
        "date-time": "2026-01-01T09:00:00Z",
        "date": "2026-01-01",
        "time": "09:00:00",
        "email": "someone@example.com",
    }.get(variant.get("format", ""), "x")


def _integer_fields(
    schema: dict[str, Any], prefix: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], bool]]:
    """(path to the field, whether it is a list) for every integer field, nested ones too."""
    variant = _variants(schema)[0]
    for name, prop in variant.get("properties", {}).items():
        if _is_integer(prop):
            yield (*prefix, name), False
        elif _is_integer_list(prop):
            yield (*prefix, name), True
        elif any("properties" in v for v in _variants(prop)):
            yield from _integer_fields(prop, (*prefix, name))


def _body_with(schema: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    body: dict[str, Any] = _minimal(schema)
    node = body
    for name in path[:-1]:
        node = node.setdefault(name, {})
    node[path[-1]] = value
    return body


def _cases() -> Iterator[Any]:
    for url, operations in _DOC["paths"].items():
        for method, operation in operations.items():
            parameters = operation.get("parameters", [])
            content = operation.get("requestBody", {}).get("content", {})
            body = content.get("application/json", {}).get("schema")
            for parameter in parameters:
                if _is_integer(parameter["schema"]) or _is_integer_list(parameter["schema"]):
                    where = parameter["in"]
                    yield pytest.param(
                        method,
                        url,
                        where,
                        (parameter["name"],),
                        False,
                        body,
                        id=f"{method} {url} {where}:{parameter['name']}",
                    )
            if body is not None:
                for path, is_list in _integer_fields(body):
                    name = ".".join(path)
                    yield pytest.param(
                        method, url, "body", path, is_list, body, id=f"{method} {url} body:{name}"
                    )


def _fill(url: str, params: dict[str, Any]) -> str:
    """The URL with its path parameters; those not named are 1 (an id that need not exist)."""
    return re.sub(r"\{(\w+)\}", lambda match: str(params.get(match.group(1), 1)), url)


def _row_counts() -> dict[str, int]:
    return {
        m._meta.label: m._default_manager.count()
        for m in apps.get_models()
        if m._meta.managed and not m._meta.proxy
    }


@pytest.fixture
def as_admin(admin: User, api_client: Callable[[User | None], Client]) -> Client:
    return api_client(admin)


@pytest.mark.parametrize(("method", "url", "where", "path", "is_list", "body"), list(_cases()))
def test_an_integer_out_of_range_is_a_422_naming_the_field(
    method: str,
    url: str,
    where: str,
    path: tuple[str, ...],
    is_list: bool,
    body: dict[str, Any] | None,
    as_admin: Client,
    bobs_ticket: Ticket,
) -> None:
    name = path[-1]
    for bad in BAD:
        value: Any = [bad] if is_list else bad
        params: dict[str, Any] = {"ref": bobs_ticket.number, "slug": "some-article"}
        query: dict[str, Any] = {}
        payload = _minimal(body) if body is not None else None
        if where == "path":
            params[name] = bad
        elif where == "query":
            query[name] = bad
        else:
            payload = _body_with(body or {}, path, value)
        target = _fill(url, params)
        before = _row_counts()
        if payload is None:
            response = getattr(as_admin, method)(target, query)
        elif method == "get":
            response = as_admin.get(target, query)
        else:
            if query:
                target += "?" + "&".join(f"{k}={v}" for k, v in query.items())
            response = getattr(as_admin, method)(
                target, json.dumps(payload), content_type="application/json"
            )
        assert response.status_code == 422, (bad, response.status_code, response.content[:500])
        errors = response.json()["errors"]
        assert any(
            key.split(".")[-1] == name or key.split(".")[-2:-1] == [name] for key in errors
        ), (bad, errors)
        assert _row_counts() == before


# --- pages ------------------------------------------------------------------------------------
def _routes(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, route)
        else:
            yield route


_ID_ROUTES = sorted({r for r in _routes(get_resolver().url_patterns) if "<id:" in r})


def test_pages_take_ids_in_the_url_as_id_never_int() -> None:
    """``<int:...>`` takes any run of digits; every page's id goes through ``<id:...>``."""
    routes = list(_routes(get_resolver().url_patterns))
    assert _ID_ROUTES, "no page takes an id?"
    assert [r for r in routes if "<int:" in r] == []


@pytest.mark.parametrize("route", _ID_ROUTES)
def test_a_page_with_an_id_beyond_bigint_is_a_404(route: str, admin: User, client: Client) -> None:
    client.force_login(admin)
    for bad in (2**63, 2**64, 10**20, 0):
        url = "/" + re.sub(r"<id:\w+>", str(bad), re.sub(r"<(?!id:)\w+:\w+>", "x", route))
        before = _row_counts()
        assert client.get(url).status_code == 404, url
        assert client.post(url).status_code == 404, url
        assert _row_counts() == before


@pytest.mark.parametrize(
    "url",
    [
        # ticket references in the path: the desk, the portal, the API
        "/tickets/SUS-99999999999999999999",
        "/tickets/SUS-9223372036854775808/poll?revision=1",
        "/portal/tickets/SUS-99999999999999999999",
        "/api/v1/tickets/SUS-99999999999999999999",
        "/api/v1/tickets/SUS-%C2%B2",
        # ids in query strings
        "/tickets/?view=all&team=99999999999999999999",
        "/tickets/?view=all&product=99999999999999999999",
        "/tickets/?view=all&requester=99999999999999999999",
        "/tickets/?view=all&requester=%C2%B2",
        "/tickets/?view=all&assignee=99999999999999999999",
        "/tickets/?view=all&organisation=99999999999999999999",
        "/tickets/SUS-1/poll?revision=99999999999999999999&seen=99999999999999999999",
        "/kb/?q=printer&category=99999999999999999999",
        "/kb/?q=printer&category=%C2%B2",
        "/kb/manage/1/diff?old=99999999999999999999&new=%C2%B2",
        "/settings/audit/?actor=99999999999999999999",
        "/settings/audit/?actor=%C2%B2&target_type=ticket&target_id=99999999999999999999",
        "/api/v1/tickets?priority=99999999999999999999",
    ],
)
def test_a_page_with_a_huge_id_in_the_query_is_never_a_500(
    url: str, admin: User, client: Client, bobs_ticket: Ticket
) -> None:
    client.force_login(admin)
    response = client.get(url)
    assert response.status_code in (200, 302, 400, 404, 422), (url, response.status_code)


_HUGE = str(2**64)


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/kb/manage/new", {"title": "T", "audience": "public", "products": [_HUGE]}),
        ("/kb/manage/new", {"title": "T", "audience": "public", "versions": [_HUGE]}),
        ("/kb/manage/new", {"title": "T", "audience": "public", "category": _HUGE}),
        ("/tickets/{ref}/edit/team", {"team": _HUGE, "revision": _HUGE}),
        ("/tickets/{ref}/edit/assignee", {"assignee": _HUGE, "revision": "1"}),
        ("/tickets/{ref}/edit/catalogue", {"product": _HUGE, "version": _HUGE, "revision": "1"}),
        ("/tickets/{ref}/watchers", {"user": _HUGE}),
        (f"/tickets/{{ref}}/links/{_HUGE}/remove", {}),
        (
            "/sla/policies/new/",
            {"name": "P", "position": _HUGE, "warning_percent": "75", "p1_resolution": _HUGE},
        ),
        (
            "/sla/policies/new/",
            {"name": "P", "position": "1", "warning_percent": "75", "p1_resolution": str(2**31)},
        ),
    ],
)
def test_a_form_with_a_huge_id_is_a_form_error_never_a_500(
    url: str, data: dict[str, Any], admin: User, client: Client, bobs_ticket: Ticket
) -> None:
    client.force_login(admin)
    before = _row_counts()
    response = client.post(url.format(ref=bobs_ticket.number), data)
    assert response.status_code in (200, 302, 400, 404, 422), (url, response.status_code)
    assert _row_counts() == before
