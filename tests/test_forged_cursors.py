"""A forged page cursor never gives a server error: every cursor-paged list of the API and of
the pages answers it with a 4xx (or the page with a clear error) and changes nothing.

The API's lists are discovered from the OpenAPI document (every operation with a ``cursor``
query parameter); the pages are listed in ``PAGES`` and a second check walks the URL conf for
every view that pages (it, or a function it calls, calls the paginator), so a new list that is
not in ``PAGES`` fails ``test_every_paged_page_is_listed``.
"""

from __future__ import annotations

import base64
import inspect
import json
import re
from collections.abc import Callable, Iterator
from datetime import date, time
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from sustain.accounts.models import Organisation, User
from sustain.api import api
from sustain.catalog.models import Product
from sustain.desk.queue_forms import SORTS
from sustain.factories import make_token
from sustain.preventive.services import ScheduleData, create_schedule


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _json(value: Any) -> str:
    return _b64(json.dumps(value).encode())


FORGED = [
    _json([None, None]),
    _json([None, None, None]),
    _json({}),
    _json([]),
    _json([1]),
    _json([1, 2, 3, 4]),
    _json("a string"),
    _json(["not a date", 1]),
    _json(["not a date", "not an id"]),
    _json(["2026-01-01T00:00:00", 1]),  # a naive date-time
    _json(["x", 2**70]),
    _json([2**70, 2**70]),
    _json([-(2**70), 1, 2**70]),
    _json(["x", 1, 2**70]),
    _json(["x", None, None]),
    _json([None, 1, 1]),
    _json([[1], {"a": 1}]),
    _json([True, False]),
    _json([True, False, True]),
    _json(["a\x00b", 1]),
    _json(["a\x00b", 1, 1]),
    _json(["2026-01-01T00:00:00+00:00", "1\x00"]),
    _b64(b"[1e400, 1e400]"),  # infinity
    _b64(b"[NaN, NaN, NaN]"),
    _b64(b"[" * 5000),
    _b64(b"not json at all"),
    _b64(b"\xff\xfe\x00"),
    "%%%not-base64%%%",
    "a",
    "=" * 8,
    _json(["9" * 5000, 1]),
    # The cursors of a previous page: {"before": [...]}, checked as strictly.
    _json({"before": [None, None]}),
    _json({"before": [None, None, None]}),
    _json({"before": "x"}),
    _json({"before": [1]}),
    _json({"before": [2**70, 2**70]}),
    _json({"before": ["x", 1, 2**70]}),
    _json({"before": ["2026-01-01T00:00:00", 1]}),
    _json({"before": ["a\x00b", 1]}),
    _json({"before": {"before": [1, 2]}}),
    _json({"before": [1, 2], "after": [1, 2]}),
    _json({"after": [1, 2]}),
]

# Forged whatever the list pages on (no row's id is NULL, a word or beyond 64 bits): the API
# must refuse these, not only survive them.
ALWAYS_FORGED = [
    _json([None, None]),
    _json({}),
    _json([1]),
    _json("a string"),
    _json([2**70, 2**70]),
    _json([True, False]),
    _json([[1], {"a": 1}]),
    _b64(b"not json at all"),
    "%%%not-base64%%%",
    _json({"before": [None, None]}),
    _json({"before": "x"}),
    _json({"after": [1, 2]}),
]

PERSONAS = ("admin", "bob", "acme_admin")
# The path parameters of paged lists, each the name of a row of the world.
PATH_IDS = {"product_id": "product", "schedule_id": "schedule"}


def _cursor_operations() -> list[tuple[str, str]]:
    document = api.get_openapi_schema(path_prefix="/api/v1")
    found = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
            if "cursor" in names:
                unfilled = set(re.findall(r"{(\w+)}", path)) - set(PATH_IDS)
                assert not unfilled, f"{path}: fill its path parameters in this test"
                found.append((method.upper(), path))
    return found


API_OPERATIONS = _cursor_operations()

# Every page that takes a cursor: (URL name, its arguments from the world, the query parameter
# of the cursor, extra query parameters for each variant of the list).
PAGES: list[tuple[str, Callable[[dict[str, Any]], dict[str, Any]], str, list[dict[str, str]]]] = [
    (
        "desk:queue",
        lambda w: {},
        "cursor",
        [{"view": "all", "sort": f"{d}{key}"} for key in SORTS for d in ("", "-")],
    ),
    ("portal:home", lambda w: {}, "cursor", [{}, {"tab": "closed", "scope": "organisation"}]),
    ("settings:users", lambda w: {}, "cursor", [{}]),
    ("settings:user", lambda w: {"user_id": w["bob"].pk}, "tokens", [{}]),
    ("settings:teams", lambda w: {}, "cursor", [{}]),
    ("settings:organisations", lambda w: {}, "cursor", [{}]),
    ("settings:organisation", lambda w: {"organisation_id": w["acme"].pk}, "cursor", [{}]),
    ("settings:org_contacts", lambda w: {}, "cursor", [{}]),
    ("settings:audit", lambda w: {}, "cursor", [{}]),
    ("settings:tokens", lambda w: {}, "tokens", [{}]),
    ("settings:profile", lambda w: {}, "tokens", [{}]),
    ("backups:list", lambda w: {}, "cursor", [{}]),
    ("mail:index", lambda w: {}, "cursor", [{}]),
    ("kb:manage", lambda w: {}, "cursor", [{}]),
    ("deployments:matrix", lambda w: {}, "cursor", [{}, {"environment": "staging"}]),
    ("deployments:organisation", lambda w: {"organisation_id": w["acme"].pk}, "cursor", [{}]),
    ("portal:deployments", lambda w: {}, "cursor", [{}]),
    # POST only (a GET is a 405); they render the pages above after creating a webhook.
    ("deployments:hook_create", lambda w: {"organisation_id": w["acme"].pk}, "cursor", [{}]),
    ("portal:deployment_hooks", lambda w: {}, "cursor", [{}]),
    ("products:products", lambda w: {}, "cursor", [{}]),
    ("products:product", lambda w: {"product_id": w["product"].pk}, "cursor", [{}]),
    ("rollouts:list", lambda w: {}, "cursor", [{}, {"status": "planned"}]),
    ("preventive:list", lambda w: {}, "cursor", [{}]),
    ("preventive:detail", lambda w: {"schedule_id": w["schedule"].pk}, "cursor", [{}]),
    ("preventive:skip", lambda w: {"schedule_id": w["schedule"].pk}, "cursor", [{}]),
]


@pytest.fixture
def world(
    admin: User,
    bob: User,
    acme_admin: User,
    acme: Organisation,
    alice: User,
    make_ticket: Any,
    product: Product,
) -> dict[str, Any]:
    # A few rows in each list, so a cursor is compared with real rows.
    tickets = [make_ticket(alice, requester=bob, title=f"Ticket {n}") for n in range(3)]
    schedule = create_schedule(
        actor=admin,
        data=ScheduleData(
            name="Rotate disks", start_date=date(2026, 1, 5), start_time=time(9), rrule="FREQ=DAILY"
        ),
    )
    return {
        "schedule": schedule,
        "tickets": tickets,
        "admin": admin,
        "bob": bob,
        "acme_admin": acme_admin,
        "acme": acme,
        "product": product,
    }


def test_the_api_has_cursor_lists() -> None:
    assert len(API_OPERATIONS) >= 8, API_OPERATIONS


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("method", "path"), API_OPERATIONS)
def test_api_lists_refuse_forged_cursors(
    world: dict[str, Any], persona: str, method: str, path: str
) -> None:
    _, raw = make_token(world[persona])
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    path = path.format(**{name: world[row].pk for name, row in PATH_IDS.items()})
    for cursor in FORGED:
        response = client.generic(method, path, QUERY_STRING=f"cursor={cursor}")
        assert response.status_code < 500, (cursor, response.content[:300])
        if response.status_code in (400, 422):
            assert response["Content-Type"] == "application/problem+json"
            assert b"cursor" in response.content, (cursor, response.content[:300])
        if cursor in ALWAYS_FORGED and response.status_code != 403:
            assert response.status_code == 422, (cursor, response.status_code)
        # A 200 is right for a cursor whose values fit the list's keys (``["not a date", 1]``
        # on a list sorted by e-mail): it cannot be told from one Sustain gave out.


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("name", "kwargs", "param", "variants"), PAGES, ids=[page[0] for page in PAGES]
)
def test_pages_refuse_forged_cursors(
    world: dict[str, Any],
    persona: str,
    name: str,
    kwargs: Callable[[dict[str, Any]], dict[str, Any]],
    param: str,
    variants: list[dict[str, str]],
) -> None:
    client = Client()
    client.force_login(world[persona])
    url = reverse(name, kwargs=kwargs(world))
    for extra in variants:
        for cursor in FORGED:
            response = client.get(url, {**extra, param: cursor})
            assert response.status_code < 500, (extra, cursor)


@pytest.mark.parametrize("sort", [f"{d}{key}" for key in SORTS for d in ("", "-")])
def test_bulk_actions_refuse_forged_cursors(world: dict[str, Any], sort: str) -> None:
    """A bulk action answers with the queue it came from (its ``back`` query), cursor included."""
    client = Client(headers={"HX-Request": "true"})
    client.force_login(world["admin"])
    ticket = world["tickets"][0]
    for cursor in FORGED:
        back = urlencode({"view": "all", "sort": sort, "cursor": cursor})
        data = {"tickets": [ticket.number], "action": "tag", "tag_name": "probe", "back": back}
        response = client.post(reverse("desk:bulk"), data)
        assert response.status_code < 500, cursor


BULK = "desk:bulk"  # posted, above


_PAGER = re.compile(r"\b(page_of|paginate|paginate_by_name)\(")
_CALL = re.compile(r"\b([A-Za-z_][A-Za-z0-9_.]*)\(")


def _pages(func: Any, depth: int = 0) -> bool:
    """Whether ``func`` or a function of Sustain it calls (three calls deep) pages a list."""
    try:
        source = inspect.getsource(func)
    except (OSError, TypeError):
        return False
    if _PAGER.search(source):
        return True
    if depth >= 3:
        return False
    for called in set(_CALL.findall(source)):
        target: Any = func.__globals__
        for part in called.split("."):
            target = target.get(part) if isinstance(target, dict) else getattr(target, part, None)
            if target is None:
                break
        if (
            inspect.isfunction(target)
            and target.__module__.startswith("sustain.")
            and target is not func
            and _pages(inspect.unwrap(target), depth + 1)
        ):
            return True
    return False


def _views(resolver: URLResolver, namespace: str = "") -> Iterator[tuple[str, Any]]:
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(n for n in (namespace, pattern.namespace or "") if n)
            yield from _views(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield name, inspect.unwrap(pattern.callback)


def test_every_paged_page_is_listed() -> None:
    paged = {
        name
        for name, view in _views(get_resolver())
        if view.__module__.startswith("sustain.")
        and not view.__module__.startswith("ninja")
        and _pages(view)
    }
    # The API is covered from its OpenAPI document above.
    paged = {name for name in paged if not name.startswith("api-")}
    assert paged == {page[0] for page in PAGES} | {BULK}
