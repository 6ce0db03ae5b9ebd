"""Calendar feeds: a secret address per person or team, stored hashed, revocable."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from sustain.accounts.models import Team, User
from sustain.core.errors import NotFound
from sustain.oncall import ical
from sustain.oncall.models import CalendarFeed

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 10, 12, tzinfo=ZoneInfo("UTC"))


def events(body: bytes) -> list[tuple[str, datetime, datetime]]:
    calendar = Calendar.from_ical(body)
    return [
        (str(e["summary"]), e.decoded("dtstart"), e.decoded("dtend"))
        for e in calendar.walk("VEVENT")
    ]


def test_a_person_feed_lists_only_their_shifts_and_the_key_is_stored_hashed(
    make_rotation, alice: User, erik: User, support: Team
):
    make_rotation([alice, erik], start_date=date(2026, 6, 1))
    made = ical.create_feed(actor=alice)
    stored = CalendarFeed.objects.get()
    assert made.key not in (stored.digest, stored.prefix)
    assert stored.digest == ical.digest_of(made.key)
    feed = ical.feed_for_key(made.key)
    shifts = events(ical.feed_calendar(feed, domain="sustain.test", now=NOW))
    assert shifts
    assert {summary for summary, *_ in shifts} == {"On call: Support"}
    # Every other day, 09:00 Berlin: 07:00 UTC in summer.
    assert all(start.hour == 7 and (end - start).days == 1 for _, start, end in shifts)


def test_a_team_feed_names_everyone_and_the_page_serves_it_without_signing_in(
    make_rotation, alice: User, erik: User, support: Team
):
    make_rotation([alice, erik], start_date=date(2026, 6, 1))
    made = ical.create_feed(actor=alice, team=support)
    response = Client().get(reverse("oncall:feed", args=[made.key]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    names = {summary for summary, *_ in events(response.content)}
    assert names == {"Alice on call", "Erik on call"}


def test_a_new_address_revokes_the_old_one_and_wrong_keys_find_nothing(alice: User, erik):
    first = ical.create_feed(actor=alice)
    second = ical.create_feed(actor=alice)
    with pytest.raises(NotFound):
        ical.feed_for_key(first.key)
    assert ical.feed_for_key(second.key).user == alice
    assert Client().get(reverse("oncall:feed", args=["nonsense"])).status_code == 404
    ical.revoke_feed(actor=alice, feed_id=second.feed.pk)
    with pytest.raises(NotFound):
        ical.feed_for_key(second.key)
    with pytest.raises(NotFound):
        ical.revoke_feed(actor=erik, feed_id=second.feed.pk)


def test_a_feed_stops_when_its_maker_leaves(alice: User):
    made = ical.create_feed(actor=alice)
    alice.is_active = False
    alice.save()
    with pytest.raises(NotFound):
        ical.feed_for_key(made.key)


def test_customers_cannot_make_feeds_and_the_page_shows_the_address_once(alice: User, bob):
    from sustain.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        ical.create_feed(actor=bob)
    client = Client()
    client.force_login(alice)
    page = client.post(reverse("oncall:feed_create"), follow=True).content.decode()
    assert "/oncall/feeds/" in page


def test_a_calendar_address_through_the_api_is_shown_once(api_client, alice: User, support):
    made = api_client(alice).post(
        "/api/v1/oncall/feeds", {"team_id": support.pk}, content_type="application/json"
    )
    assert made.status_code == 201
    address = made.json()["address"]
    assert made.json()["team"]["id"] == support.pk
    key = address.rsplit("/", 1)[1].removesuffix(".ics")
    assert ical.feed_for_key(key).team == support
    assert key not in CalendarFeed.objects.values_list("digest", flat=True)
    missing = api_client(alice).post(
        "/api/v1/oncall/feeds", {"team_id": 999_999}, content_type="application/json"
    )
    assert missing.status_code == 422


def test_making_and_revoking_addresses_is_audited_without_the_key(alice: User):
    from sustain.accounts.models import AuditEntry

    first = ical.create_feed(actor=alice)
    second = ical.create_feed(actor=alice)
    entries = list(
        AuditEntry.objects.filter(target_type="calendar_feed")
        .order_by("id")
        .values_list("action", "target_id", "target_label")
    )
    assert [(a, t) for a, t, _ in entries] == [
        ("calendar_feed.created", first.feed.pk),
        ("calendar_feed.revoked", first.feed.pk),
        ("calendar_feed.created", second.feed.pk),
    ]
    assert all(first.key[:8] not in label and second.key[:8] not in label for *_, label in entries)
