"""Answers made for one person carry ``Cache-Control: no-store``; what anonymous visitors and
every browser share (the public knowledge base, static files) stays cacheable
(``core/middleware.NoStoreForSignedInMiddleware``).

Every page route is walked as a signed-in administrator and every API read with a token,
whatever each answers (a page, a redirect, a 404 for the ids filled in, a problem).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from sustain.accounts.models import User
from sustain.api import api
from sustain.core.middleware import NoStoreForSignedInMiddleware
from sustain.core.testing import V1
from sustain.factories import make_token
from sustain.kb.models import Article
from sustain.kb.tests.conftest import make_article  # noqa: F401  # fixture
from sustain.tickets.models import Ticket


def no_store(response: Any) -> bool:
    directives = {d.strip().split("=")[0] for d in response.get("Cache-Control", "").split(",")}
    return {"no-store", "private"} <= directives


def _page_routes(resolver: URLResolver | None = None, prefix: str = "") -> Iterator[str]:
    for pattern in (resolver or get_resolver()).url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if not route.startswith("api/"):
                yield from _page_routes(pattern, route)
        elif isinstance(pattern, URLPattern) and not route.startswith("^api/"):
            yield route


PAGE_ROUTES = sorted(set(_page_routes()))
API_READS = sorted(
    path
    for path, operations in api.get_openapi_schema(path_prefix="")["paths"].items()
    if "get" in operations
)


def test_the_walks_cover_pages_and_api() -> None:
    assert {"tickets/", "portal/", "kb/", "settings/users/", "mail/"} <= set(PAGE_ROUTES)
    assert "tickets/^(?P<ref>[A-Za-z]+-\\d+)$" in PAGE_ROUTES
    assert {"/tickets", "/users/me", "/kb/articles"} <= set(API_READS)


def _fill(route: str, ticket: Ticket) -> str:
    """A URL of ``route``: the ticket's number for a ticket reference, the first choice of a
    regular expression's alternatives, 1 for an id and "x" for other text."""
    url = "/" + route.replace("^", "").replace("$", "")
    url = re.sub(r"\(\?P<ref>[^)]*\)", ticket.number, url)
    url = re.sub(r"\(\?P<\w+>\\d\+\)", "1", url)
    url = re.sub(r"\(\?P<\w+>([\w-]+)[^)]*\)", r"\1", url)
    return re.sub(
        r"<(?:(\w+):)?\w+>", lambda m: "1" if m.group(1) in (None, "int", "id") else "x", url
    )


@pytest.mark.parametrize("route", PAGE_ROUTES)
def test_every_page_a_signed_in_user_gets_is_no_store(
    admin: User, bobs_ticket: Ticket, route: str
) -> None:
    client = Client()
    client.force_login(admin)

    response = client.get(_fill(route, bobs_ticket))

    assert no_store(response), (response.status_code, response.get("Cache-Control"))


@pytest.mark.parametrize("path", API_READS)
def test_every_api_read_with_a_token_is_no_store(
    admin: User, bobs_ticket: Ticket, path: str
) -> None:
    _, raw = make_token(admin)
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    url = V1 + re.sub(r"\{[^}]+\}", "1", path.replace("{ref}", bobs_ticket.number))

    response = client.get(url)

    assert no_store(response), (response.status_code, response.get("Cache-Control"))


def test_customers_portal_and_the_api_through_the_session_are_no_store(
    bob: User, bobs_ticket: Ticket
) -> None:
    client = Client()
    client.force_login(bob)
    ticket = f"/portal/tickets/{bobs_ticket.number}"
    for url in ("/portal/", ticket, f"{V1}/tickets", f"{V1}/users/me"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert no_store(response), url


def test_a_bad_token_and_a_sign_in_are_no_store(alice: User) -> None:
    refused = Client(headers={"Authorization": "Bearer nope"}).get(f"{V1}/users/me")
    assert refused.status_code == 401
    assert no_store(refused)

    signed_in = Client().post(
        "/accounts/login/", {"username": alice.email, "password": "correct horse battery"}
    )
    assert signed_in.status_code == 302
    assert no_store(signed_in)


def test_what_anonymous_visitors_share_stays_cacheable(
    make_article: Callable[..., Article],  # noqa: F811
) -> None:
    article = make_article()
    client = Client()
    # (The sign-in page is never cached anyway: Django's LoginView says so itself.)
    for url in ("/kb/", f"/kb/{article.slug}", f"{V1}/kb/articles"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert not no_store(response), url


def test_static_files_stay_cacheable_for_a_signed_in_user(admin: User) -> None:
    client = Client()
    client.force_login(admin)

    response = client.get("/static/sustain/base.css")

    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_a_private_answer_is_no_store_even_for_anonymous_visitors(rf: Any) -> None:
    def view(request: Any) -> HttpResponse:
        response = HttpResponse("for you only")
        response["Cache-Control"] = "private, max-age=600"
        return response

    request = rf.get("/")
    request.user = AnonymousUser()
    response = NoStoreForSignedInMiddleware(view)(request)

    assert no_store(response)
    assert "max-age=0" in response["Cache-Control"]
