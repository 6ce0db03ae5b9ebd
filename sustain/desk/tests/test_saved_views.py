"""Saved views: the service's rules, and saving or deleting one from the queue."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from sustain.accounts.models import Team, User
from sustain.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from sustain.desk.queues import SAVED_COUNT_TIMEOUT_MS, capped_counts
from sustain.desk.saved_views import (
    MAX_VIEWS_PER_USER,
    create_saved_view,
    delete_saved_view,
    get_saved_view_for,
    update_saved_view,
    visible_saved_views,
)
from sustain.tickets.models import SavedView, Ticket

pytestmark = pytest.mark.django_db


def test_a_view_keeps_only_valid_queue_filters(alice: User) -> None:
    view = create_saved_view(
        actor=alice,
        name="  My   open  ",
        filters={"status": ["open", "new"], "q": "printer", "cursor": "x", "colour": "red"},
    )
    assert view.name == "My open"
    assert view.filters == {"status": ["open", "new"], "q": ["printer"]}


@pytest.mark.parametrize(
    ("name", "filters", "field"),
    [
        ("", {}, "name"),
        ("x" * 101, {}, "name"),
        ("Bad", {"status": ["lost"]}, "status"),
        ("Bad", {"assignee": ["someone"]}, "assignee"),
        ("Bad", {"sort": ["colour"]}, "sort"),
    ],
)
def test_bad_views_are_refused(
    alice: User, name: str, filters: dict[str, list[str]], field: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        create_saved_view(actor=alice, name=name, filters=filters)
    assert field in refused.value.errors
    assert not SavedView.objects.exists()


def test_names_are_unique_per_owner(alice: User, dave: User) -> None:
    create_saved_view(actor=alice, name="Mine", filters={})
    with pytest.raises(Conflict):
        create_saved_view(actor=alice, name="Mine", filters={})
    create_saved_view(actor=dave, name="Mine", filters={})
    assert SavedView.objects.count() == 2


def test_the_number_of_views_is_limited(alice: User) -> None:
    SavedView.objects.bulk_create(
        [SavedView(owner=alice, name=f"v{n}") for n in range(MAX_VIEWS_PER_USER)]
    )
    with pytest.raises(Conflict):
        create_saved_view(actor=alice, name="one more", filters={})


def test_customers_keep_no_views(bob: User) -> None:
    with pytest.raises(PermissionDenied):
        create_saved_view(actor=bob, name="Mine", filters={})
    assert list(visible_saved_views(bob)) == []


def test_sharing_with_a_team(
    alice: User, dave: User, lead: User, support: Team, platform: Team
) -> None:
    shared = create_saved_view(actor=alice, name="Support P1", filters={}, team=support)
    with pytest.raises(PermissionDenied):
        create_saved_view(actor=alice, name="Not mine to share", filters={}, team=platform)
    support.members.add(dave)
    assert get_saved_view_for(dave, shared.pk) == shared
    assert list(visible_saved_views(lead)) == [shared]
    support.members.remove(dave)
    with pytest.raises(NotFound):
        get_saved_view_for(dave, shared.pk)


def test_only_the_owner_changes_a_shared_view(
    alice: User, dave: User, admin: User, support: Team
) -> None:
    view = create_saved_view(actor=alice, name="Support", filters={}, team=support)
    support.members.add(dave)
    with pytest.raises(PermissionDenied):
        update_saved_view(actor=dave, view_id=view.pk, name="Mine now")
    with pytest.raises(PermissionDenied):
        delete_saved_view(actor=dave, view_id=view.pk)
    renamed = update_saved_view(
        actor=alice, view_id=view.pk, name="Support queue", filters={"priority": ["1"]}, share=False
    )
    assert (renamed.name, renamed.filters, renamed.team) == (
        "Support queue",
        {"priority": ["1"]},
        None,
    )
    # An admin may remove a view shared with a team (e.g. of someone who left).
    other = create_saved_view(actor=alice, name="Shared", filters={}, team=support)
    delete_saved_view(actor=admin, view_id=other.pk)
    assert list(SavedView.objects.all()) == [renamed]


def test_renaming_onto_another_view_is_refused(alice: User) -> None:
    create_saved_view(actor=alice, name="A", filters={})
    b = create_saved_view(actor=alice, name="B", filters={})
    with pytest.raises(Conflict):
        update_saved_view(actor=alice, view_id=b.pk, name="A")
    assert SavedView.objects.get(pk=b.pk).name == "B"


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
