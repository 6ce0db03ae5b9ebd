"""Away periods: who records them, and that assignment and the workload respect them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sustain.accounts import away
from sustain.accounts.choices import AssignmentStrategy
from sustain.accounts.models import AwayPeriod, Team, User
from sustain.core.errors import PermissionDenied, ValidationFailed
from sustain.tickets.assignment import available_members

pytestmark = pytest.mark.django_db


def test_people_record_their_own_and_leads_anyone_s(lead: User, alice: User, erik: User):
    now = timezone.now()
    away.add_away_period(actor=alice, user=alice, starts_at=now, ends_at=now + timedelta(days=3))
    away.add_away_period(actor=lead, user=erik, starts_at=now, ends_at=now + timedelta(days=1))
    with pytest.raises(PermissionDenied):
        away.add_away_period(actor=alice, user=erik, starts_at=now, ends_at=now + timedelta(1))
    with pytest.raises(ValidationFailed) as caught:
        away.add_away_period(actor=alice, user=alice, starts_at=now, ends_at=now)
    assert "ends_at" in caught.value.errors
    assert away.away_at([alice.pk, erik.pk, lead.pk], now) == {alice.pk, erik.pk}


def test_automatic_assignment_passes_over_a_member_only_while_away(
    alice: User, erik: User, support: Team
):
    support.assignment_strategy = AssignmentStrategy.ROUND_ROBIN
    support.save()
    now = timezone.now()
    later = AwayPeriod.objects.create(
        user=erik, starts_at=now + timedelta(days=2), ends_at=now + timedelta(days=4)
    )
    assert {u.pk for u in available_members(support)} == {alice.pk, erik.pk}
    AwayPeriod.objects.filter(pk=later.pk).update(starts_at=now - timedelta(hours=1))
    assert {u.pk for u in available_members(support)} == {alice.pk}
    AwayPeriod.objects.filter(pk=later.pk).update(
        starts_at=now - timedelta(days=3), ends_at=now - timedelta(days=1)
    )
    assert {u.pk for u in available_members(support)} == {alice.pk, erik.pk}


def test_the_away_page(alice: User, erik: User, bob: User):
    client = Client()
    client.force_login(alice)
    url = reverse("oncall:away")
    assert client.get(url).status_code == 200
    saved = client.post(
        url,
        {"user": alice.pk, "starts_at": "2026-12-21T00:00", "ends_at": "2027-01-04T00:00",
         "reason": "holiday"},
    )  # fmt: skip
    assert saved.status_code == 302
    period = AwayPeriod.objects.get()
    assert period.starts_at == datetime(2026, 12, 21, tzinfo=UTC)  # alice reads UTC
    # An agent cannot pick someone else (the choice is not offered).
    other = client.post(
        url, {"user": erik.pk, "starts_at": "2026-12-21T00:00", "ends_at": "2026-12-22T00:00"}
    )
    assert other.status_code == 422
    erik_client = Client()
    erik_client.force_login(erik)
    assert erik_client.post(reverse("oncall:away_delete", args=[period.pk])).status_code == 403
    assert client.post(reverse("oncall:away_delete", args=[period.pk])).status_code == 302
    assert not AwayPeriod.objects.exists()


def test_away_periods_through_the_api(api_client, lead: User, alice: User, erik: User, bob):
    body = {"starts_at": "2026-12-21T00:00:00Z", "ends_at": "2027-01-04T00:00:00Z"}
    own = api_client(alice).post("/api/v1/oncall/away", body, content_type="application/json")
    assert own.status_code == 201
    assert own.json()["user"]["id"] == alice.pk
    for_erik = body | {"user_id": erik.pk}
    refused = api_client(alice).post(
        "/api/v1/oncall/away", for_erik, content_type="application/json"
    )
    assert refused.status_code == 403
    allowed = api_client(lead).post(
        "/api/v1/oncall/away", for_erik, content_type="application/json"
    )
    assert allowed.status_code == 201
    backwards = body | {"ends_at": "2026-12-20T00:00:00Z"}
    bad = api_client(alice).post("/api/v1/oncall/away", backwards, content_type="application/json")
    assert bad.status_code == 422
    listed = api_client(erik).get("/api/v1/oncall/away").json()["items"]
    assert len(listed) == 2
    assert api_client(bob).get("/api/v1/oncall/away").status_code == 403
    gone = api_client(alice).delete(f"/api/v1/oncall/away/{own.json()['id']}")
    assert gone.status_code == 204
