"""A ticket search of 1,000 words is refused with its limit, at every entry point, never a 500.

Every ticket search — the API's ``GET /tickets?q=``, the desk's queue and its global search
box — goes through the ``q`` filter of ``tickets/filters.py``: at most a title's length (250
characters) and at most ``SEARCH_MAX_WORDS`` distinct words. The knowledge base's own search
(the API, the help pages, the portal's suggestions) caps its query as it always has.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from sustain.accounts.models import User
from sustain.tickets.filters import SEARCH_MAX_WORDS
from sustain.tickets.models import Ticket

THOUSAND_WORDS = " ".join(f"w{i}" for i in range(1000))
# Under 250 characters, but more distinct words than the cap.
MANY_SHORT_WORDS = " ".join(f"{chr(97 + i % 26)}{i // 26}" for i in range(SEARCH_MAX_WORDS + 1))
# The same word again and again is one word.
ONE_WORD_REPEATED = " ".join(["printer"] * 30)


@pytest.fixture
def as_admin(admin: User, api_client: Callable[[User | None], Client]) -> Client:
    return api_client(admin)


def test_the_api_refuses_1000_words_saying_the_limit(as_admin: Client) -> None:
    response = as_admin.get("/api/v1/tickets", {"q": THOUSAND_WORDS})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert "at most 250 characters" in response.json()["errors"]["q"][0]


def test_the_api_refuses_too_many_short_words_saying_the_limit(as_admin: Client) -> None:
    assert len(MANY_SHORT_WORDS) < 250
    response = as_admin.get("/api/v1/tickets", {"q": MANY_SHORT_WORDS})
    assert response.status_code == 422
    assert response.json()["errors"] == {"q": [f"At most {SEARCH_MAX_WORDS} words."]}


def test_a_repeated_word_counts_once(as_admin: Client, bobs_ticket: Ticket) -> None:
    bobs_ticket.title = "The printer is on fire"
    bobs_ticket.save(update_fields=["title"])
    response = as_admin.get("/api/v1/tickets", {"q": ONE_WORD_REPEATED})
    assert response.status_code == 200
    assert [t["number"] for t in response.json()["items"]] == [bobs_ticket.number]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (THOUSAND_WORDS, "at most 250 characters"),
        (MANY_SHORT_WORDS, f"At most {SEARCH_MAX_WORDS} words."),
    ],
)
@pytest.mark.parametrize("url", ["/tickets/?view=all", "/tickets/search"])
def test_the_desk_shows_the_limit_as_a_form_error(
    url: str, query: str, message: str, admin: User, client: Client
) -> None:
    client.force_login(admin)
    response = client.get(url, {"q": query}, follow=True)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_the_knowledge_base_api_refuses_1000_words_saying_the_limit(as_admin: Client) -> None:
    response = as_admin.get("/api/v1/kb/search", {"q": THOUSAND_WORDS})
    assert response.status_code == 422
    assert "200 characters" in response.json()["errors"]["q"][0]
    assert as_admin.get("/api/v1/kb/suggest", {"text": THOUSAND_WORDS}).status_code == 200


def test_the_help_pages_and_the_portal_take_1000_words(
    admin: User, bob: User, client: Client
) -> None:
    client.force_login(admin)
    assert client.get("/kb/", {"q": THOUSAND_WORDS}).status_code == 200
    client.force_login(bob)
    assert client.get("/kb/", {"q": THOUSAND_WORDS}).status_code == 200
    response = client.get("/portal/new/suggestions", {"subject": THOUSAND_WORDS})
    assert response.status_code == 200
