"""Keyset pages both ways: the next page, and back to the page before it, exactly.

Lists sorted by a related name (``paginate_by_name``) are tested with the queue, in
``sustain/desk/tests/test_name_sort.py``; the refusal of forged cursors, on every list, in
``tests/test_forged_cursors.py``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from sustain.accounts.models import User
from sustain.core.errors import ValidationFailed
from sustain.core.pagination import Page, paginate
from sustain.tickets.models import Ticket


@pytest.fixture
def tickets(make_ticket: Callable[..., Ticket], bob: User) -> list[Ticket]:
    """Nine tickets whose sort keys tie in pairs, and a resolution time on every other one."""
    start = timezone.now() - timedelta(days=1)
    made = []
    for n in range(9):
        ticket = make_ticket(bob, title=f"Ticket {n // 2}")
        at = start + timedelta(hours=n // 2)
        Ticket.objects.filter(pk=ticket.pk).update(updated_at=at, resolved_at=at if n % 2 else None)
        made.append(ticket)
    return made


def _ids(page: Page[Any]) -> list[int]:
    return [row["id"] for row in page.items]


def _forward(order: str, limit: int) -> list[Page[Any]]:
    rows = Ticket.objects.values("id", order.lstrip("-"))
    pages = [paginate(rows, order=order, cursor=None, limit=limit)]
    while pages[-1].next_cursor:
        pages.append(paginate(rows, order=order, cursor=pages[-1].next_cursor, limit=limit))
    return pages


ORDERS = ["-updated_at", "updated_at", "title", "-title", "resolved_at", "-resolved_at", "-id"]


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("limit", [1, 2, 4, 9])
def test_previous_pages_are_the_pages_seen_going_forward(
    tickets: list[Ticket], order: str, limit: int
) -> None:
    rows = Ticket.objects.values("id", order.lstrip("-"))
    forward = _forward(order, limit)
    assert sorted(pk for page in forward for pk in _ids(page)) == sorted(t.pk for t in tickets)
    assert forward[0].prev_cursor is None

    # From the last page back to the first, by each page's "previous" cursor.
    back = [forward[-1]]
    while back[-1].prev_cursor:
        back.append(paginate(rows, order=order, cursor=back[-1].prev_cursor, limit=limit))

    assert [_ids(page) for page in reversed(back)] == [_ids(page) for page in forward]
    # Each page found going back leads forward again to the page after it.
    for earlier, later in zip(reversed(back), forward[1:], strict=False):
        assert earlier.next_cursor is not None
        again = paginate(rows, order=order, cursor=earlier.next_cursor, limit=limit)
        assert _ids(again) == _ids(later)


def test_next_then_previous_is_the_first_page_exactly(tickets: list[Ticket]) -> None:
    rows = Ticket.objects.values("id", "updated_at")
    first = paginate(rows, order="-updated_at", cursor=None, limit=4)
    second = paginate(rows, order="-updated_at", cursor=first.next_cursor, limit=4)

    again = paginate(rows, order="-updated_at", cursor=second.prev_cursor, limit=4)

    assert again.items == first.items
    assert again.prev_cursor is None
    assert again.next_cursor == first.next_cursor


def test_a_previous_page_whose_rows_went_away_is_the_first_page(tickets: list[Ticket]) -> None:
    rows = Ticket.objects.values("id", "updated_at")
    first = paginate(rows, order="-updated_at", cursor=None, limit=4)
    second = paginate(rows, order="-updated_at", cursor=first.next_cursor, limit=4)
    Ticket.objects.filter(pk__in=_ids(first)[:2]).delete()

    back = paginate(rows, order="-updated_at", cursor=second.prev_cursor, limit=4)

    assert _ids(back) == _ids(paginate(rows, order="-updated_at", cursor=None, limit=4))
    assert back.prev_cursor is None


def test_model_rows_page_back_too(tickets: list[Ticket]) -> None:
    everything = Ticket.objects.all()
    first = paginate(everything, order="title", cursor=None, limit=3)
    second = paginate(everything, order="title", cursor=first.next_cursor, limit=3)

    assert paginate(everything, order="title", cursor=second.prev_cursor, limit=3).items == (
        first.items
    )


def _cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "forged",
    [
        {"before": [None, None]},
        {"before": "x"},
        {"before": [1]},
        {"before": [1, 2], "after": [1, 2]},
        {"after": [1, 2]},
        {"before": {"before": [1, 2]}},
        {"before": ["2026-01-01T00:00:00", 1]},  # a naive date-time
        {"before": ["2026-01-01T00:00:00+00:00", 2**70]},
    ],
)
def test_a_forged_previous_cursor_is_refused(tickets: list[Ticket], forged: Any) -> None:
    with pytest.raises(ValidationFailed):
        paginate(Ticket.objects.all(), order="-updated_at", cursor=_cursor(forged), limit=3)
