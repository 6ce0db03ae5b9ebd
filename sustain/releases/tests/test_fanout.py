"""Publishing tells every reporter and watcher of the fixed tickets exactly once."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sustain.catalog.models import Product, Version
from sustain.core.errors import ValidationFailed
from sustain.core.models import OutboxMessage
from sustain.factories import make_user, open_ticket
from sustain.releases import release_services as services
from sustain.releases.fanout import tell_fixes
from sustain.releases.release_models import FixNotice, ReleaseFix
from sustain.releases.tests.conftest import fix
from sustain.tickets.watching import watch_ticket


def fix_mails() -> dict[str, dict[str, Any]]:
    rows = OutboxMessage.objects.filter(idempotency_key__startswith="release:")
    mails: dict[str, dict[str, Any]] = {}
    for payload in rows.values_list("payload", flat=True):
        [to] = payload["to"]
        assert to not in mails, f"{to} was told twice"
        mails[to] = payload
    return mails


def test_each_person_is_told_once_of_all_their_tickets(
    make_ticket, alice, bob, bob_colleague, engineer, new_version, draft
):
    first = fix(alice, make_ticket(bob, title="Export breaks"), new_version)
    second = fix(alice, make_ticket(bob_colleague, title="Import breaks"), new_version)
    unrelated = make_ticket(bob, title="Not in this release")
    watch_ticket(actor=alice, ref=second.pk, watchers=[bob, alice])
    watch_ticket(actor=alice, ref=first.pk, watchers=[alice])
    watch_ticket(actor=alice, ref=unrelated.pk, watchers=[engineer])
    OutboxMessage.objects.all().delete()
    release = draft()

    published = services.publish_release(actor=engineer, release_id=release.pk)

    assert published.fan_out is not None
    assert (published.fan_out.tickets, published.fan_out.people) == (2, 3)
    mails = fix_mails()
    assert sorted(mails) == sorted([bob.email, bob_colleague.email, alice.email])
    assert mails[bob.email]["subject"] == "Fixed in Gizmo 2.2"
    assert first.number in mails[bob.email]["body"]
    assert second.number in mails[bob.email]["body"]
    assert "2 tickets of yours" in mails[bob.email]["body"]
    assert second.number in mails[bob_colleague.email]["body"]
    assert first.number not in mails[bob_colleague.email]["body"]
    assert f"/portal/releases/{release.pk}" in mails[bob.email]["body"]
    assert f"/releases/manage/{release.pk}/" in mails[alice.email]["body"]
    assert unrelated.number not in str(mails)
    notices = {n.user_id: n.tickets for n in FixNotice.objects.filter(release=release)}
    assert notices == {
        bob.pk: [first.pk, second.pk],
        bob_colleague.pk: [second.pk],
        alice.pk: [first.pk, second.pk],
    }
    assert set(ReleaseFix.objects.values_list("ticket_id", flat=True)) == {first.pk, second.pk}


def test_publishing_again_tells_nobody_again(make_ticket, alice, bob, engineer, new_version, draft):
    fix(alice, make_ticket(bob), new_version)
    release = draft()
    services.publish_release(actor=engineer, release_id=release.pk)
    before = OutboxMessage.objects.count()

    again = services.publish_release(actor=engineer, release_id=release.pk)

    assert again.fan_out is None
    assert OutboxMessage.objects.count() == before
    assert FixNotice.objects.count() == 1


def test_a_repeated_fan_out_writes_nothing_twice(
    make_ticket, alice, bob, engineer, new_version, draft
):
    """Whatever calls the fan-out twice for one release (a retried job, a replayed publish),
    the keys and the unique rows keep one message and one notice per person."""
    fix(alice, make_ticket(bob), new_version)
    release = draft()
    services.publish_release(actor=engineer, release_id=release.pk)
    with transaction.atomic():
        tell_fixes(release)
    assert len(fix_mails()) == 1
    assert FixNotice.objects.count() == ReleaseFix.objects.count() == 1


def test_inactive_people_and_people_without_an_address_are_not_told(
    make_ticket, alice, bob, bob_colleague, engineer, new_version, draft
):
    ticket = fix(alice, make_ticket(bob), new_version)
    watch_ticket(actor=alice, ref=ticket.pk, watchers=[bob_colleague])
    type(bob).objects.filter(pk=bob.pk).update(is_active=False)
    type(bob).objects.filter(pk=bob_colleague.pk).update(email="")
    OutboxMessage.objects.all().delete()
    services.publish_release(actor=engineer, release_id=draft().pk)
    assert fix_mails() == {}


def test_a_refused_publish_tells_nobody(make_ticket, alice, bob, engineer, new_version, draft):
    fix(alice, make_ticket(bob), new_version)
    release = draft(notes="")
    OutboxMessage.objects.all().delete()
    with pytest.raises(ValidationFailed):
        services.publish_release(actor=engineer, release_id=release.pk)
    assert fix_mails() == {}
    assert not FixNotice.objects.exists()


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(st.integers(0, 5), st.sets(st.integers(0, 5), max_size=4)),
        min_size=1,
        max_size=6,
    )
)
def test_every_reporter_and_watcher_gets_exactly_one_message_of_their_tickets(
    lead, engineer, tickets
):
    """Any tickets (reporter, watchers) from six people: one message per person involved,
    naming exactly the tickets they report or watch."""
    people = [
        make_user(f"p{i}-{Product.objects.count()}@sustain.test", role="agent") for i in range(6)
    ]
    product = Product.objects.create(name=f"P{Product.objects.count()}")
    version = Version.objects.create(product=product, name="1.0")
    expected: dict[str, set[str]] = {}
    for reporter, watchers in tickets:
        ticket = open_ticket(
            lead,
            requester=people[reporter],
            watchers=[people[w] for w in watchers],
            fixed_in_version=version,
        )
        for person in {reporter, *watchers}:
            expected.setdefault(people[person].email, set()).add(ticket.number)
    OutboxMessage.objects.all().delete()
    release = services.create_release(actor=engineer, version=version, notes="Fixes.")
    services.publish_release(actor=engineer, release_id=release.pk)
    services.publish_release(actor=engineer, release_id=release.pk)
    mails = fix_mails()
    assert sorted(mails) == sorted(expected)
    for email, numbers in expected.items():
        listed = {w for w in mails[email]["body"].split() if w.startswith("SUS-")}
        assert listed == numbers
