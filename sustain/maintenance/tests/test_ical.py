"""Calendar feeds per team and per organisation: a hashed secret key in the address, the
instances as UTC events, only what the feed's audience may see."""

from datetime import timedelta

import pytest
from django.test import Client
from icalendar import Calendar

from sustain.core.errors import PermissionDenied
from sustain.factories import make_organisation, make_product, make_team
from sustain.maintenance.ical import create_feed_key, digest_of, revoke_feed_key
from sustain.maintenance.models import FeedKey
from sustain.maintenance.tests.conftest import local, next_monday


def events(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return list(Calendar.from_ical(response.content).walk("VEVENT"))


def url(raw):
    return f"/maintenance/feeds/{raw}.ics"


@pytest.fixture
def windows(plan, gizmo, engineer, acme, deployed):
    team = make_team("Platform", members=[engineer])
    ours = plan(
        title="Weekly patching",
        start=local(next_monday(), 2),
        time_zone="UTC",
        rrule="FREQ=WEEKLY;COUNT=3",
        product_ids=[gizmo.pk],
        activities=["Restart workers"],
        owner_id=engineer.pk,
        description="Short outage.",
    )
    other = plan(
        title="Widget work", product_ids=[make_product("Widget").pk], start=local(next_monday(), 8)
    )
    return team, ours, other


def test_organisation_feed_has_the_windows_affecting_it_without_staff_details(windows, bob):
    _, ours, _ = windows
    row, raw = create_feed_key(actor=bob, organisation=bob.organisation)
    assert row.digest == digest_of(raw)
    assert raw not in {row.digest, row.prefix}
    found = events(Client().get(url(raw)))
    assert [str(e["summary"]) for e in found] == ["Weekly patching"] * 3
    assert "Restart workers" not in str(found[0]["description"])
    assert str(found[0]["uid"]).startswith(f"maintenance-{ours.pk}-")
    assert found[0].decoded("dtstart").utcoffset() == timedelta(0)
    assert FeedKey.objects.get().last_used_at is not None


def test_team_feed_has_its_members_windows_with_the_checklist(windows, engineer):
    team, _, _ = windows
    _, raw = create_feed_key(actor=engineer, team=team)
    found = events(Client().get(url(raw)))
    assert {str(e["summary"]) for e in found} == {"Weekly patching"}
    assert "Restart workers" in str(found[0]["description"])


def test_bad_or_revoked_key_opens_nothing(windows, bob):
    assert Client().get(url("not-a-key")).status_code == 404
    row, raw = create_feed_key(actor=bob, organisation=bob.organisation)
    revoke_feed_key(actor=bob, key_id=row.pk)
    assert Client().get(url(raw)).status_code == 404


def test_customer_who_moved_away_loses_the_feed(windows, bob):
    _, raw = create_feed_key(actor=bob, organisation=bob.organisation)
    bob.organisation = make_organisation("Elsewhere")
    bob.save()
    assert Client().get(url(raw)).status_code == 404


def test_who_may_subscribe_to_what(windows, bob, carol, alice, engineer, acme):
    team, _, _ = windows
    with pytest.raises(PermissionDenied):
        create_feed_key(actor=carol, organisation=acme)
    with pytest.raises(PermissionDenied):
        create_feed_key(actor=alice, team=team)  # not a member, not a lead
    with pytest.raises(PermissionDenied):
        create_feed_key(actor=bob, team=team)
    assert create_feed_key(actor=alice, organisation=acme)[0].organisation == acme


def test_feeds_page_shows_a_new_address_once(windows, engineer):
    team, _, _ = windows
    client = Client()
    client.force_login(engineer)
    page = client.post("/maintenance/feeds/", {"team": team.pk})
    assert page.status_code == 200
    assert "/maintenance/feeds/" in page.content.decode()
    again = client.get("/maintenance/feeds/").content.decode()
    assert ".ics" not in again
    assert client.post("/maintenance/feeds/", {}).status_code == 422


def test_portal_subscribe_gives_the_organisation_feed(windows, bob):
    client = Client()
    client.force_login(bob)
    page = client.post("/portal/maintenance/subscribe")
    assert page.status_code == 200
    body = page.content.decode()
    raw = body.split("/maintenance/feeds/")[1].split(".ics")[0]
    assert next(str(e["summary"]) for e in events(Client().get(url(raw)))) == "Weekly patching"
    key = FeedKey.objects.get()
    client.post(f"/maintenance/feeds/{key.pk}/revoke")
    assert not FeedKey.objects.exists()


def test_api_feed_needs_exactly_one_of_team_and_organisation(api_client, alice, acme, windows):
    team, _, _ = windows
    client = api_client(alice)
    for body in ({}, {"team_id": team.pk, "organisation_id": acme.pk}):
        answer = client.post("/api/v1/maintenance/feeds", body, content_type="application/json")
        assert answer.status_code == 422
        assert "one of the two" in answer.json()["detail"]
    created = client.post(
        "/api/v1/maintenance/feeds", {"organisation_id": acme.pk}, content_type="application/json"
    )
    assert created.status_code == 201
    assert "/maintenance/feeds/" in created.json()["url"]
    assert client.get("/api/v1/maintenance/feeds").json()[0]["organisation"]["name"] == "Acme"


def test_creating_and_revoking_a_key_is_audited(windows, bob):
    from sustain.accounts.models import AuditEntry

    row, raw = create_feed_key(actor=bob, organisation=bob.organisation)
    revoke_feed_key(actor=bob, key_id=row.pk)
    entries = list(
        AuditEntry.objects.order_by("pk").values_list("action", "target_type", "target_label")
    )
    assert [e[:2] for e in entries] == [
        ("calendar_key.created", "calendar_key"),
        ("calendar_key.revoked", "calendar_key"),
    ]
    assert entries[0][2] == "calendar of Acme (key of bob@acme.test)"
    assert raw[:8] not in entries[0][2]
