"""Saved views from the queue: saving, keeping and deleting a view (the services' own rules
are tested in tickets/tests/test_saved_views.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from sustain.accounts.models import Team, User
from sustain.desk.queues import SAVED_COUNT_TIMEOUT_MS, capped_counts
from sustain.tickets.models import SavedView, Ticket
from sustain.tickets.saved_views import create_saved_view

pytestmark = pytest.mark.django_db


# --- from the queue -------------------------------------------------------------------------
def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_saving_the_current_filters_opens_the_new_view(alice: User, support: Team) -> None:
    response = _client(alice).post(
        "/tickets/views/",
        {
            "name": "Open P1",
            "team": str(support.pk),
            "query": "view=all&filtered=1&priority=1&status=open",
        },
    )
    view = SavedView.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/tickets/?view=saved-{view.pk}"
    assert view.filters == {"status": ["open"], "priority": ["1"]}
    assert view.team == support


def test_saving_without_a_name_or_with_a_foreign_team_changes_nothing(
    alice: User, platform: Team
) -> None:
    client = _client(alice)
    nameless = client.post("/tickets/views/", {"name": "", "query": "view=all"}, follow=True)
    assert "Give the view a name" in nameless.content.decode()
    foreign = client.post(
        "/tickets/views/", {"name": "X", "team": str(platform.pk), "query": "view=all"}, follow=True
    )
    assert "only share views with your own teams" in foreign.content.decode()
    bad = client.post("/tickets/views/", {"name": "X", "query": "status=lost"}, follow=True)
    assert "The view was not saved" in bad.content.decode()
    assert not SavedView.objects.exists()


def test_deleting_a_view(alice: User, dave: User) -> None:
    view = create_saved_view(actor=alice, name="Mine", filters={})
    other = _client(dave).post(f"/tickets/views/{view.pk}/delete")
    assert other.status_code == 302
    assert SavedView.objects.filter(pk=view.pk).exists()
    page = _client(alice).get(f"/tickets/?view=saved-{view.pk}").content.decode()
    assert 'data-testid="delete-view"' in page
    mine = _client(alice).post(f"/tickets/views/{view.pk}/delete")
    assert mine.status_code == 302
    assert not SavedView.objects.exists()


def test_saving_and_deleting_need_post(alice: User) -> None:
    assert _client(alice).get("/tickets/views/").status_code == 405


@pytest.mark.postgres
def test_a_slow_count_gives_no_number_instead_of_waiting(
    alice: User, make_ticket: Callable[..., Ticket]
) -> None:
    make_ticket(alice)
    fast = Ticket.objects.all()
    sleep = f"pg_sleep({SAVED_COUNT_TIMEOUT_MS * 2 / 1000}) IS NOT NULL"
    slow = Ticket.objects.extra(where=[sleep])  # noqa: S610 (a constant, in a test)
    assert capped_counts({"fast": fast}, timeout_ms=SAVED_COUNT_TIMEOUT_MS) == {"fast": 1}
    assert capped_counts({"slow": slow}, timeout_ms=SAVED_COUNT_TIMEOUT_MS) == {}
    # The connection is still usable afterwards.
    assert Ticket.objects.count() == 1


def test_keeping_the_current_filters_in_a_view(alice: User, dave: User) -> None:
    view = create_saved_view(actor=alice, name="Mine", filters={"status": ["open"]})
    page = _client(alice).get(f"/tickets/?view=saved-{view.pk}&priority=1").content.decode()
    assert 'data-testid="update-view"' in page
    query = f"view=saved-{view.pk}&filtered=1&priority=1"
    refused = _client(dave).post(f"/tickets/views/{view.pk}/update", {"query": query}, follow=True)
    assert "No saved view" in refused.content.decode()
    response = _client(alice).post(f"/tickets/views/{view.pk}/update", {"query": query})
    assert response.status_code == 302
    view.refresh_from_db()
    assert view.filters == {"priority": ["1"]}
