"""SLA pages: leads manage calendars and policies with validation; staff read the report."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.template.loader import render_to_string
from django.test import Client

from sustain.accounts.models import User
from sustain.sla.models import BusinessCalendar, SlaPolicy
from sustain.sla.selectors import breaching_within, clocks_for
from sustain.tickets.models import Ticket
from sustain.tickets.services import add_message

pytestmark = pytest.mark.django_db


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


CALENDAR = {
    "name": "Berlin office",
    "time_zone": "Europe/Berlin",
    "hours": "Mon-Fri 09:00-12:00 13:00-17:30\nSat 10:00-14:00",
    "holidays": "every 12-24 Christmas Eve\n2026-12-31 New Year's Eve",
    "country": "DE",
    "subdivision": "BY",
}


def test_a_lead_creates_and_edits_a_calendar(lead: User) -> None:
    client = signed_in(lead)
    assert client.get("/sla/calendars/new/").status_code == 200
    response = client.post("/sla/calendars/new/", CALENDAR)
    assert response.status_code == 302
    calendar = BusinessCalendar.objects.get()
    assert calendar.intervals.count() == 11
    assert calendar.holidays.filter(yearly=True).count() == 1
    page = client.get(f"/sla/calendars/{calendar.pk}/")
    assert "Mon 09:00-12:00 13:00-17:30" in page.content.decode()
    assert "every 12-24 Christmas Eve" in page.content.decode()
    client.post(f"/sla/calendars/{calendar.pk}/", CALENDAR | {"hours": "Sun 00:00-24:00"})
    assert calendar.intervals.get().weekday == 6


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"time_zone": "Europe/Atlantis"}, "Unknown time zone"),
        ({"hours": "Mon 09:00-12:00 11:00-13:00"}, "Monday: 09:00-12:00 overlaps 11:00-13:00"),
        ({"hours": "Someday 09:00-12:00"}, "start with a weekday"),
        ({"hours": "Mon 9-5"}, "is not like 09:00-17:00"),
        ({"holidays": "every 13-40 Nonsense"}, "write the date like every 12-24"),
        ({"country": "ZZ"}, "does not know the country"),
    ],
)
def test_calendar_form_errors_are_shown(lead: User, change: dict[str, str], message: str) -> None:
    response = signed_in(lead).post("/sla/calendars/new/", CALENDAR | change)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not BusinessCalendar.objects.exists()


def test_a_lead_creates_a_policy_with_targets_and_escalations(lead: User, dave: User) -> None:
    client = signed_in(lead)
    form = {
        "name": "Premium",
        "position": "1",
        "is_active": "on",
        "customer_tier": "gold",
        "priorities": ["1", "2"],
        "warning_percent": "80",
        "pause_statuses": ["pending_customer"],
        "escalations": f"warning notify_team_lead\nbreach reassign {dave.email} resolution",
        "p1_first_response": "15",
        "p1_resolution": "240",
    }
    assert client.post("/sla/policies/new/", form).status_code == 302
    policy = SlaPolicy.objects.get()
    assert policy.warning_share == 0.8
    assert policy.targets.get().resolution_minutes == 240
    assert [(r.action, r.user_id, r.target) for r in policy.escalations.all()] == [
        ("notify_team_lead", None, ""),
        ("reassign", dave.pk, "resolution"),
    ]
    edit = client.get(f"/sla/policies/{policy.pk}/").content.decode()
    assert f"breach reassign {dave.email} resolution" in edit
    bad = client.post(
        "/sla/policies/new/", form | {"name": "Other", "escalations": "breach reassign"}
    )
    assert bad.status_code == 422
    assert "needs a user" in bad.content.decode()
    assert client.post(f"/sla/policies/{policy.pk}/delete/").status_code == 302
    assert not SlaPolicy.objects.exists()


def test_agents_see_the_sla_pages_but_cannot_edit(alice: User, bob: User) -> None:
    assert signed_in(alice).get("/sla/").status_code == 200
    assert signed_in(alice).get("/sla/calendars/new/").status_code == 403
    assert signed_in(bob).get("/sla/").status_code == 302


def test_the_report_page_draws_a_chart(
    standard_policy: SlaPolicy, bobs_ticket: Ticket, alice: User, lead: User
) -> None:
    add_message(actor=alice, ref=bobs_ticket.pk, body="Hi")
    page = signed_in(lead).get("/sla/report/?group_by=team")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html
    assert "Support · first response" in html
    assert "100.0 %" in html
    bad = signed_in(lead).get("/sla/report/?since=2026-05-01&until=2026-04-01")
    assert bad.status_code == 422


def test_clocks_partial_and_breaching_filter(
    standard_policy: SlaPolicy,
    make_ticket: Callable[..., Ticket],
    bob: User,
    django_assert_num_queries: Callable[..., object],
) -> None:
    soon, later = make_ticket(bob), make_ticket(bob, priority=None)
    Ticket.objects.filter(pk=later.pk).update(priority=4)
    from sustain.sla.engine import recompute

    recompute([later.pk])
    with django_assert_num_queries(1):  # type: ignore[attr-defined]
        clocks = clocks_for([soon.pk, later.pk])
    html = render_to_string("sla/partials/clocks.html", {"clocks": clocks[soon.pk]})
    assert 'class="sla-clock sla-ok"' in html
    assert "First response" in html
    assert "1 h 59 min" in html or "2 h 00 min" in html
    within = breaching_within(Ticket.objects.all(), 3)
    assert list(within) == [soon]
    assert set(breaching_within(Ticket.objects.all(), 5)) == {soon, later}


def test_a_calendar_or_policy_that_does_not_exist_is_the_404_page(lead: User) -> None:
    client = signed_in(lead)
    assert client.get("/sla/calendars/999999/").status_code == 404
    assert client.get("/sla/policies/999999/").status_code == 404
