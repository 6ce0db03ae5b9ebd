"""The preventive API: create, read, replace, history, skip, delete; problems for bad input."""

from __future__ import annotations

import pytest

from sustain.preventive.models import Schedule
from sustain.preventive.sweep import sweep
from sustain.preventive.tests.conftest import MONDAY

pytestmark = pytest.mark.django_db
BASE = "/api/v1/preventive/schedules"
JSON = "application/json"


def body(**fields):
    fields.setdefault("name", "Rotate backup disks")
    fields.setdefault("rrule", "FREQ=WEEKLY;BYDAY=MO")
    fields.setdefault("start_date", "2026-10-19")
    fields.setdefault("start_time", "09:00")
    fields.setdefault("time_zone", "Europe/Berlin")
    return fields


def test_an_engineer_creates_reads_and_replaces_a_schedule(api_client, engineer, support, alice):
    client = api_client(engineer)
    created = client.post(
        BASE,
        body(
            team_id=support.pk,
            assignee_id=alice.pk,
            lead_time_hours=48,
            checklist=[{"text": "Swap disk", "mandatory": True}],
        ),
        content_type=JSON,
    )
    assert created.status_code == 201, created.content
    schedule = created.json()
    assert schedule["lead_time_hours"] == 48
    assert schedule["team"]["name"] == "Support"
    assert schedule["checklist"] == [{"text": "Swap disk", "mandatory": True}]
    assert schedule["next_due"] is not None
    url = f"{BASE}/{schedule['id']}"
    assert client.get(url).json()["name"] == "Rotate backup disks"
    replaced = client.put(
        url,
        body(mode="after_completion", rrule="", interval_days=30, active=False),
        content_type=JSON,
    )
    assert replaced.status_code == 200, replaced.content
    assert replaced.json()["mode"] == "after_completion"
    assert replaced.json()["next_open_at"] is None  # paused
    listed = api_client(alice).get(BASE).json()["items"]
    assert [s["id"] for s in listed] == [schedule["id"]]


def test_history_and_skip(api_client, make_schedule, lead):
    schedule = make_schedule()
    sweep(now=MONDAY)
    client = api_client(lead)
    skipped = client.post(
        f"{BASE}/{schedule.pk}/skip", {"reason": "Site closed"}, content_type=JSON
    )
    assert skipped.status_code == 201, skipped.content
    assert skipped.json()["outcome"] == "skipped"
    history = client.get(f"{BASE}/{schedule.pk}/occurrences").json()["items"]
    assert [(o["outcome"], o["ticket"] is not None) for o in history] == [
        ("skipped", False),
        ("open", True),
    ]
    assert history[0]["skip_reason"] == "Site closed"


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"rrule": "FREQ=NEVER"}, "rrule"),
        ({"time_zone": "Nowhere/Land"}, "timezone"),
        ({"mode": "after_completion", "rrule": ""}, "interval_days"),
        ({"team_id": 999999}, "team_id"),
        ({"start_time": "25:00"}, "start_time"),
        ({"priority": 9}, "priority"),
        ({"lead_time_hours": -1}, "lead_time_hours"),
        ({"checklist": [{"text": ""}]}, "checklist"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(api_client, engineer, fields, named):
    answer = api_client(engineer).post(BASE, body(**fields), content_type=JSON)
    assert answer.status_code == 422, answer.content
    assert answer["Content-Type"].startswith("application/problem+json")
    assert any(key == named or key.startswith(f"{named}.") for key in answer.json()["errors"])
    assert not Schedule.objects.exists()


def test_refusals(api_client, make_schedule, engineer, alice, bob):
    schedule = make_schedule(mode="after_completion", rrule="", interval_days=7, checklist=[])
    sweep(now=MONDAY)
    lead_client = api_client(engineer)
    waiting = lead_client.post(f"{BASE}/{schedule.pk}/skip", {"reason": "x"}, content_type=JSON)
    assert waiting.status_code == 409
    assert api_client(alice).post(BASE, body(), content_type=JSON).status_code == 403
    assert api_client(alice).delete(f"{BASE}/{schedule.pk}").status_code == 403
    assert api_client(bob).get(BASE).status_code == 403
    assert lead_client.get(f"{BASE}/999999").status_code == 404
    assert lead_client.delete(f"{BASE}/{schedule.pk}").status_code == 204
    assert not Schedule.objects.exists()
