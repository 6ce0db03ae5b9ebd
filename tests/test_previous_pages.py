"""Every paged list of the pages goes back as well as on: its second page links to the page
before it (``rel="prev"``), and that link shows the first page again, row for row.

The agent's queue, whose links also work by keyboard and through htmx, is tested with the queue
(``sustain/desk/tests/test_views_queue.py``); the paginator itself in
``sustain/core/tests/test_pagination.py``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from sustain.accounts.models import User
from sustain.accounts.settings import common
from sustain.backups.models import Backup
from sustain.factories import make_user
from sustain.mail.models import InboundMail
from sustain.portal import selectors as portal

_LINK = r'<a [^>]*href="([^"]*)"[^>]*rel="{rel}"'


def _link(page: str, rel: str) -> str | None:
    found = re.search(_LINK.format(rel=rel), page)
    return html.unescape(found.group(1)) if found else None


def _rows(page: str) -> str:
    """The list's rows, as the page shows them."""
    found = re.search(r"<tbody>(.*?)</tbody>", page, re.DOTALL)
    assert found, "the page shows no list"
    return found.group(1)


def _users(world: dict[str, Any]) -> None:
    for n in range(5):
        make_user(f"person{n}@sustain.test")


def _backups(world: dict[str, Any]) -> None:
    now = timezone.now()
    for n in range(5):
        Backup.objects.create(
            trigger=Backup.Trigger.COMMAND,
            status=Backup.Status.SUCCEEDED,
            created_at=now - timedelta(hours=n),
        )


def _mails(world: dict[str, Any]) -> None:
    now = timezone.now()
    for n in range(5):
        InboundMail.objects.create(
            sha256=f"{n:064x}",
            size=10,
            source=InboundMail.Source.API,
            subject=f"Mail {n}",
            received_at=now - timedelta(hours=n),
        )


def _requests(world: dict[str, Any]) -> None:
    for n in range(portal.PAGE_SIZE + 3):
        world["make_ticket"](world["bob"], title=f"Request {n}")


# (URL, who looks, what fills the list)
LISTS: list[tuple[str, str, Callable[[dict[str, Any]], None]]] = [
    ("/settings/users/", "admin", _users),  # the settings' shared pager (KB articles too)
    ("/backups/", "admin", _backups),
    ("/mail/", "admin", _mails),
    ("/portal/", "bob", _requests),
]


@pytest.mark.parametrize(("url", "persona", "fill"), LISTS, ids=[item[0] for item in LISTS])
def test_the_page_before_the_second_is_the_first(
    url: str,
    persona: str,
    fill: Callable[[dict[str, Any]], None],
    admin: User,
    bob: User,
    make_ticket: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(common, "PAGE_SIZE", 2)
    world = {"admin": admin, "bob": bob, "make_ticket": make_ticket}
    fill(world)
    client = Client()
    client.force_login(world[persona])

    first = client.get(url).content.decode()
    assert _link(first, "prev") is None
    next_link = _link(first, "next")
    assert next_link is not None
    second = client.get(f"{url}{next_link}").content.decode()
    prev_link = _link(second, "prev")
    assert prev_link is not None
    back = client.get(f"{url}{prev_link}").content.decode()

    assert _rows(second) != _rows(first)
    assert _rows(back) == _rows(first)
    assert _link(back, "prev") is None
    assert _link(back, "next") == next_link
