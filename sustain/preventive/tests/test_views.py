"""The preventive pages: list, editor (with form errors), detail with history, skip, pause."""

from __future__ import annotations

import pytest

from sustain.preventive.models import Occurrence, Schedule
from sustain.preventive.sweep import sweep
from sustain.preventive.tests.conftest import MONDAY

pytestmark = pytest.mark.django_db


def form(**fields):
    data = {
        "name": "Check certificates",
        "mode": "calendar",
        "rrule": "FREQ=MONTHLY;BYMONTHDAY=1",
        "start_date": "2026-11-01",
        "start_time": "09:00",
        "time_zone": "Europe/Berlin",
        "lead_days": "3",
        "lead_hours": "0",
        "priority": "3",
        "checklist": "* Renew expiring certificates\nUpdate the inventory",
        "active": "on",
    }
    data.update(fields)
    return data


def test_the_list_shows_schedules_to_staff(client, make_schedule, alice):
    make_schedule()
    client.force_login(alice)
    page = client.get("/preventive/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Rotate backup disks" in html
    assert "FREQ=WEEKLY;BYDAY=MO" in html
    assert "New schedule" not in html  # an agent reads, does not manage


def test_customers_are_kept_out(client, bob):
    client.force_login(bob)
    assert client.get("/preventive/").status_code in (302, 403)


def test_an_engineer_creates_a_schedule_through_the_editor(client, engineer):
    client.force_login(engineer)
    assert client.get("/preventive/new").status_code == 200
    answer = client.post("/preventive/new", form())
    schedule = Schedule.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == f"/preventive/{schedule.pk}/"
    assert schedule.checklist == [
        {"text": "Renew expiring certificates", "mandatory": True},
        {"text": "Update the inventory", "mandatory": False},
    ]
    assert schedule.lead_time.days == 3
    edit = client.get(f"/preventive/{schedule.pk}/edit")
    assert "* Renew expiring certificates" in edit.content.decode()


def test_editor_errors_are_shown_beside_the_fields(client, engineer, alice):
    client.force_login(engineer)
    answer = client.post("/preventive/new", form(rrule="FREQ=SOMETIMES", time_zone="Mars/Base"))
    assert answer.status_code == 422
    html = answer.content.decode()
    assert "FREQ must be one of" in html or "not a known time zone" in html
    assert not Schedule.objects.exists()
    client.force_login(alice)
    assert client.post("/preventive/new", form()).status_code == 403


def test_detail_shows_history_and_a_lead_skips_with_a_reason(client, make_schedule, lead):
    schedule = make_schedule()
    sweep(now=MONDAY)
    client.force_login(lead)
    page = client.get(f"/preventive/{schedule.pk}/")
    assert page.status_code == 200
    ticket = Occurrence.objects.get().ticket
    assert ticket is not None
    assert ticket.number in page.content.decode()
    refused = client.post(f"/preventive/{schedule.pk}/skip", {"reason": ""})
    assert refused.status_code == 422
    skipped = client.post(f"/preventive/{schedule.pk}/skip", {"reason": "Customer closed"})
    assert skipped.status_code == 302
    assert Occurrence.objects.filter(outcome="skipped", skip_reason="Customer closed").exists()
    paused = client.post(f"/preventive/{schedule.pk}/active", {"active": "0"})
    assert paused.status_code == 302
    assert Schedule.objects.get().active is False
    assert client.post(f"/preventive/{schedule.pk}/delete").status_code == 302
    assert not Schedule.objects.exists()
    assert client.get(f"/preventive/{schedule.pk}/").status_code == 404


def test_lead_time_reads_as_people_say_it():
    from datetime import timedelta

    from sustain.preventive.views import lead_text

    assert lead_text(timedelta(0)) == "at the due time"
    assert lead_text(timedelta(days=2, hours=1)) == "2 days 1 hour before due"
    assert lead_text(timedelta(hours=5)) == "5 hours before due"
