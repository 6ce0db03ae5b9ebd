"""The workload view: open tickets, SLA risk, on-call and other planned hours, capacity."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sustain.accounts.models import Team, User
from sustain.accounts.planned_work import PlannedWorkSource, _sources, register_planned_work
from sustain.factories import make_sla_policy
from sustain.oncall import services
from sustain.oncall.workload import week_of, workload
from sustain.sla.engine import forget_policies
from sustain.sla.models import TicketClock

pytestmark = pytest.mark.django_db


@pytest.fixture
def windows_source():
    source = PlannedWorkSource("Planned elsewhere", lambda ids, start, end: dict.fromkeys(ids, 2.5))
    register_planned_work(source)
    yield source
    _sources.remove(source)


def test_workload_counts_tickets_sla_risk_on_call_and_registered_planned_work(
    make_rotation, make_ticket, lead, alice: User, erik: User, bob: User, support: Team,
    windows_source,
):  # fmt: skip
    forget_policies()
    make_sla_policy("Standard")
    now = timezone.now()
    start, _ = week_of(timezone.localdate(now, timezone=timezone.get_default_timezone()))
    make_rotation([alice], time_zone="UTC", start_date=start.date() - timedelta(days=7))
    breached = make_ticket(alice, assignee=alice)
    make_ticket(alice, assignee=alice)
    TicketClock.objects.filter(ticket=breached).update(state="breached", met_at=None)
    services.set_capacity(actor=lead, team=support, hours_per_member_week=30)

    load = workload([support], now=now)[0]
    people = {p.user.pk: p for p in load.people}
    assert people[alice.pk].open_tickets == 2
    assert people[alice.pk].sla_over == 1
    assert people[alice.pk].on_call_hours == 168.0  # the whole week, around the clock
    assert people[alice.pk].planned["Planned elsewhere"] == 2.5
    assert people[erik.pk].open_tickets == 0
    assert (load.open_tickets, load.sla_over) == (2, 1)
    assert (load.capacity, load.available) == (60, 2)
    assert load.planned_hours == 168.0 + 5.0
    assert load.load_percent == round(100 * 173 / 60)


def test_away_members_give_no_capacity(alice: User, erik: User, support: Team):
    erik.is_away = True
    erik.save()
    load = workload([support], now=datetime(2026, 6, 3, tzinfo=timezone.get_default_timezone()))[0]
    assert (load.available, load.capacity) == (1, 40)


def test_the_workload_page_and_api(api_client, lead, alice, support, bob):
    client = Client()
    client.force_login(lead)
    page = client.get(reverse("oncall:workload"))
    assert page.status_code == 200
    assert "Support" in page.content.decode()
    saved = client.post(
        reverse("oncall:workload"), {"team": support.pk, "hours_per_member_week": "20"}
    )
    assert saved.status_code == 302
    refused = client.post(
        reverse("oncall:workload"), {"team": support.pk, "hours_per_member_week": "999"}
    )
    assert refused.status_code == 422
    body = api_client(alice).get("/api/v1/oncall/workload", {"team_id": support.pk}).json()
    assert [(t["team"]["name"], t["hours_per_member"]) for t in body] == [("Support", 20)]
    assert api_client(bob).get("/api/v1/oncall/workload").status_code == 403
    too_much = api_client(lead).put(
        f"/api/v1/oncall/teams/{support.pk}/capacity",
        '{"hours_per_member_week": 200}',
        content_type="application/json",
    )
    assert too_much.status_code == 422
