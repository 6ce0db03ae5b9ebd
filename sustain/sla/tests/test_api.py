"""SLA API: calendars and policies (leads write, staff read), clocks of a ticket, report."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from sustain.accounts.models import User
from sustain.core.testing import assert_problem, send
from sustain.sla.models import BusinessCalendar, SlaPolicy
from sustain.tickets.models import Ticket
from sustain.tickets.services import add_message

pytestmark = pytest.mark.django_db
ApiClient = Callable[[User | None], Client]

OFFICE = {
    "name": "Berlin office",
    "time_zone": "Europe/Berlin",
    "country": "DE",
    "intervals": [
        {"weekday": d, "start": s, "end": e}
        for d in range(5)
        for s, e in (("09:00", "12:00"), ("13:00", "17:30"))
    ],
    "holidays": [{"date": "2026-12-24", "yearly": True, "name": "Christmas Eve"}],
}


def policy_body(**extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Gold",
        "customer_tier": "gold",
        "priorities": [1, 2],
        "targets": [{"priority": 1, "first_response_minutes": 30, "resolution_minutes": 240}],
        "escalations": [{"threshold": "breach", "action": "notify_team_lead"}],
    }
    body.update(extra)
    return body


def test_a_lead_creates_a_calendar_and_a_policy_that_uses_it(
    api_client: ApiClient, lead: User
) -> None:
    client = api_client(lead)
    created = send(client, "POST", "/sla/calendars", OFFICE)
    assert created.status_code == 201, created.content
    calendar = created.json()
    assert len(calendar["intervals"]) == 10
    assert calendar["holidays"][0]["yearly"] is True
    response = send(client, "POST", "/sla/policies", policy_body(calendar_id=calendar["id"]))
    assert response.status_code == 201, response.content
    policy = response.json()
    assert policy["calendar"] == "Berlin office"
    assert policy["targets"][0]["resolution_minutes"] == 240
    assert policy["escalations"][0]["action"] == "notify_team_lead"

    changed = send(client, "PUT", f"/sla/policies/{policy['id']}", policy_body(name="Gold 2"))
    assert changed.json()["name"] == "Gold 2"
    assert changed.json()["calendar"] == "24x7"
    assert send(client, "DELETE", f"/sla/calendars/{calendar['id']}").status_code == 204
    assert send(client, "DELETE", f"/sla/policies/{policy['id']}").status_code == 204
    assert not SlaPolicy.objects.exists()


def test_a_calendar_in_use_cannot_be_deleted(api_client: ApiClient, admin: User) -> None:
    client = api_client(admin)
    calendar = send(client, "POST", "/sla/calendars", OFFICE).json()
    send(client, "POST", "/sla/policies", policy_body(calendar_id=calendar["id"]))
    body = assert_problem(send(client, "DELETE", f"/sla/calendars/{calendar['id']}"), 409)
    assert "Gold" in body["detail"]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone", "Unknown time zone"),
        ({"intervals": []}, "intervals", "no working hours"),
        (
            {
                "intervals": [
                    {"weekday": 0, "start": "09:00", "end": "12:00"},
                    {"weekday": 0, "start": "11:00", "end": "13:00"},
                ]
            },
            "intervals",
            "Monday: 09:00-12:00 overlaps 11:00-13:00",
        ),
        ({"country": "XX"}, "country", "does not know the country"),
    ],
)
def test_invalid_calendars_are_refused_with_a_clear_problem(
    api_client: ApiClient, lead: User, change: dict[str, Any], field: str, message: str
) -> None:
    body = assert_problem(send(api_client(lead), "POST", "/sla/calendars", OFFICE | change), 422)
    assert message in body["errors"][field][0]
    assert not BusinessCalendar.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"warning_share": 1.5}, "warning_share"),
        ({"calendar_id": 999}, "calendar_id"),
        ({"pause_statuses": ["closed"]}, "pause_statuses"),
        ({"escalations": [{"threshold": "breach", "action": "reassign"}]}, "escalations"),
    ],
)
def test_invalid_policies_are_refused(
    api_client: ApiClient, lead: User, change: dict[str, Any], field: str
) -> None:
    body = assert_problem(
        send(api_client(lead), "POST", "/sla/policies", policy_body(**change)), 422
    )
    assert field in body["errors"]


def test_agents_read_but_do_not_write_and_customers_do_neither(
    api_client: ApiClient, alice: User, bob: User
) -> None:
    assert send(api_client(alice), "GET", "/sla/policies").status_code == 200
    assert_problem(send(api_client(alice), "POST", "/sla/calendars", OFFICE), 403)
    assert_problem(send(api_client(bob), "GET", "/sla/calendars"), 403)
    assert_problem(send(api_client(bob), "GET", "/sla/report"), 403)
    assert_problem(send(api_client(alice), "GET", "/sla/policies/12345"), 404)


def test_ticket_clocks_respect_ticket_visibility(
    api_client: ApiClient,
    standard_policy: SlaPolicy,
    make_ticket: Callable[..., Ticket],
    bob: User,
    carol: User,
) -> None:
    ticket = make_ticket(bob)
    response = send(api_client(bob), "GET", f"/tickets/{ticket.number}/sla")
    assert response.status_code == 200
    clocks = response.json()
    assert [c["target"] for c in clocks] == ["first_response", "resolution"]
    assert clocks[0]["level"] == "ok"
    assert clocks[0]["reason"] == "Standard: applies to every ticket"
    assert 0 < clocks[0]["seconds_left"] <= 7200
    assert_problem(send(api_client(carol), "GET", f"/tickets/{ticket.number}/sla"), 404)


def test_the_report_gives_compliance_and_business_time_as_json_and_csv(
    api_client: ApiClient,
    standard_policy: SlaPolicy,
    make_ticket: Callable[..., Ticket],
    bob: User,
    alice: User,
    lead: User,
) -> None:
    for _ in range(3):
        ticket = make_ticket(bob)
        add_message(actor=alice, ref=ticket.pk, body="Hello")
    make_ticket(bob)
    report = send(api_client(lead), "GET", "/sla/report?group_by=priority").json()
    first = next(r for r in report["rows"] if r["target"] == "first_response")
    assert (first["key"], first["clocks"], first["met"], first["open"]) == ("P3", 4, 3, 1)
    assert first["compliance"] == 100.0
    assert first["median_seconds"] is not None
    response = send(api_client(lead), "GET", "/sla/report?group_by=team&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows[0]["group"] == "team"
    assert {r["target"] for r in rows} == {"first_response", "resolution"}
    assert_problem(
        send(api_client(lead), "GET", "/sla/report?since=2026-02-01&until=2026-01-01"), 422
    )


def test_the_openapi_document_describes_the_sla_endpoints(
    api_client: ApiClient, alice: User
) -> None:
    document = api_client(alice).get("/api/v1/openapi.json").json()
    assert "/api/v1/sla/policies" in document["paths"]
    assert "/api/v1/tickets/{ref}/sla" in document["paths"]
    assert "ClockOut" in document["components"]["schemas"]
