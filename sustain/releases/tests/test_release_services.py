"""Creating, editing, publishing and deleting release records; the tickets each fixes."""

from __future__ import annotations

import pytest

from sustain.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from sustain.releases import release_services as services
from sustain.releases.release_models import ReleaseFix, ReleaseKind, ReleaseStatus
from sustain.releases.release_selectors import (
    fix_release_of,
    fixed_tickets,
    fixed_tickets_released_for,
    fixes_available,
    get_release_for,
)
from sustain.releases.tests.conftest import fix


def test_a_draft_is_written_from_the_resolved_tickets(
    make_ticket, alice, bob, engineer, new_version, draft
):
    fix(alice, make_ticket(bob, title="Sync stops halfway"), new_version)
    fix(alice, make_ticket(bob, title="Not done yet"), new_version, resolve=False)
    release = draft(kind=ReleaseKind.HOTFIX)
    assert release.status == ReleaseStatus.DRAFT
    assert release.notes.startswith("# Gizmo 2.2\n")
    assert "- Sync stops halfway" in release.notes
    assert "Not done yet" not in release.notes
    assert "<h1>Gizmo 2.2</h1>" in release.notes_html


def test_one_release_per_version(draft):
    draft()
    with pytest.raises(Conflict):
        draft()


@pytest.mark.parametrize("who", ["alice", "viewer", "bob"])
def test_only_engineers_leads_and_admins_write_releases(request, who, new_version):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        services.create_release(actor=actor, version=new_version)


def test_edit_renders_the_notes_and_refuses_a_stale_revision(engineer, draft):
    release = draft(notes="old")
    changed = services.update_release(
        actor=engineer, release_id=release.pk, changes={"notes": "**new**"}, expected_revision=1
    )
    assert changed.notes_html == "<p><strong>new</strong></p>\n"
    with pytest.raises(Conflict):
        services.update_release(
            actor=engineer, release_id=release.pk, changes={"notes": "x"}, expected_revision=1
        )
    with pytest.raises(ValidationFailed):
        services.update_release(actor=engineer, release_id=release.pk, changes={"kind": "mega"})
    with pytest.raises(ValidationFailed):
        services.update_release(actor=engineer, release_id=release.pk, changes={"version": 1})


def test_publishing_needs_notes(engineer, draft):
    release = draft(notes="   ")
    with pytest.raises(ValidationFailed) as exc:
        services.publish_release(actor=engineer, release_id=release.pk)
    assert "notes" in exc.value.errors
    release.refresh_from_db()
    assert release.status == ReleaseStatus.DRAFT


def test_a_published_release_cannot_be_deleted_but_a_draft_can(engineer, draft, new_version):
    release = draft()
    services.publish_release(actor=engineer, release_id=release.pk)
    with pytest.raises(Conflict):
        services.delete_release(actor=engineer, release_id=release.pk)
    release.delete()
    other = draft()
    services.delete_release(actor=engineer, release_id=other.pk)
    assert not type(other).objects.exists()


def test_customers_and_anonymous_never_read_a_draft(bob, engineer, draft):
    release = draft()
    for reader in (bob, None):
        with pytest.raises(NotFound):
            get_release_for(reader, release.pk)
    services.publish_release(actor=engineer, release_id=release.pk)
    assert get_release_for(bob, release.pk) == release
    assert get_release_for(None, release.pk) == release


def test_customers_see_only_their_own_fixed_tickets(
    make_ticket, alice, bob, carol, engineer, new_version, draft
):
    bobs = fix(alice, make_ticket(bob, title="Bob's"), new_version)
    carols = fix(alice, make_ticket(carol, title="Carol's"), new_version)
    internal = fix(alice, make_ticket(alice, title="Internal"), new_version)
    release = draft()
    services.publish_release(actor=engineer, release_id=release.pk)
    assert list(fixed_tickets(bob, release)) == [bobs]
    assert list(fixed_tickets(carol, release)) == [carols]
    assert set(fixed_tickets(alice, release)) == {bobs, carols, internal}


def test_fix_available_is_read_from_published_releases_only(
    make_ticket, alice, bob, engineer, product, new_version, draft
):
    old = product.versions.get(name="2.1")
    ticket = make_ticket(bob, version=old)
    fix(alice, ticket, new_version)
    release = draft()
    assert not fixed_tickets_released_for(new_version).exists()
    assert not fixes_available(old, [new_version]).exists()
    assert fix_release_of(ticket) is None
    services.publish_release(actor=engineer, release_id=release.pk)
    assert list(fixed_tickets_released_for(new_version)) == [ticket]
    assert list(fixes_available(old, [new_version])) == [ticket]
    assert not fixes_available(new_version, [old]).exists()
    assert fix_release_of(ticket) == release
    # The list is frozen at publishing: a ticket marked later is not claimed by the release.
    late = fix(alice, make_ticket(bob), new_version)
    assert not ReleaseFix.objects.filter(ticket=late).exists()
