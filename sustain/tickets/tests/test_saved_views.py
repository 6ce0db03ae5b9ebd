"""Saved views: the rules of the services (naming, sharing, ownership, the filters a view keeps)."""

from __future__ import annotations

import pytest

from sustain.accounts.models import Team, User
from sustain.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from sustain.tickets.models import SavedView
from sustain.tickets.saved_views import (
    MAX_VIEWS_PER_USER,
    create_saved_view,
    delete_saved_view,
    get_saved_view_for,
    update_saved_view,
    visible_saved_views,
)

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
