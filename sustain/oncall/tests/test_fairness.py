"""Fairness: on-call hours per person per month, across DST, in the API and as CSV."""

from __future__ import annotations

import csv
import io
from datetime import date, time

import pytest
from django.test import Client
from django.urls import reverse

from sustain.accounts.models import Team, User
from sustain.oncall.fairness import monthly_hours, parse_month

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _berlin_site(settings) -> None:
    settings.TIME_ZONE = "Europe/Berlin"


def test_october_hours_count_the_25_hour_night_and_split_weekends(
    make_rotation, alice: User, erik: User, support: Team
):
    # Daily at midnight Berlin time from 1 October: alice the 1st, 3rd … 31st; erik the rest.
    make_rotation([alice, erik], start_date=date(2026, 10, 1), handover_time=time(0))
    rows = {r.user.email: r for r in monthly_hours(date(2026, 10, 1))}
    # 25 October (the clocks go back) is day 25: alice's, 25 hours long.
    assert rows[alice.email].hours == 16 * 24 + 1
    assert rows[erik.email].hours == 15 * 24
    assert rows[alice.email].shifts == 16
    # Weekend days go to whoever holds that date (alice the odd ones).
    weekend = {alice.email: 0.0, erik.email: 0.0}
    for day in range(1, 32):
        if date(2026, 10, day).weekday() >= 5:
            who = alice.email if day % 2 else erik.email
            weekend[who] += 25 if day == 25 else 24
    assert {k: r.weekend_hours for k, r in rows.items()} == weekend
    # Every day has eight night hours (nine on the 25th, the extra hour being 02:00-03:00).
    assert rows[alice.email].night_hours == 16 * 8 + 1


def test_the_month_must_be_written_as_year_and_month(api_client, alice: User):
    assert parse_month("2026-03") == date(2026, 3, 1)
    response = api_client(alice).get("/api/v1/oncall/fairness", {"month": "March"})
    assert response.status_code == 422
    assert "month" in response.json()["errors"]
    assert api_client(alice).get("/api/v1/oncall/fairness", {"month": "2026-13"}).status_code == 422


def test_the_report_in_the_api_the_page_and_csv(
    api_client, make_rotation, alice: User, erik: User, bob: User
):
    make_rotation([alice, erik], start_date=date(2026, 10, 1), handover_time=time(0))
    body = api_client(alice).get("/api/v1/oncall/fairness", {"month": "2026-10"}).json()
    assert body["month"] == "2026-10"
    assert [(r["user"]["id"], r["hours"]) for r in body["rows"]] == [
        (alice.pk, 385.0),
        (erik.pk, 360.0),
    ]
    assert api_client(bob).get("/api/v1/oncall/fairness").status_code == 403

    client = Client()
    client.force_login(alice)
    page = client.get(reverse("oncall:fairness"), {"month": "2026-10"})
    assert page.status_code == 200
    assert "385.0" in page.content.decode()
    assert client.get(reverse("oncall:fairness"), {"month": "nope"}).status_code == 422
    download = client.get(reverse("oncall:fairness_csv"), {"month": "2026-10"})
    rows = list(csv.DictReader(io.StringIO(download.content.decode())))
    assert [(r["email"], r["hours"]) for r in rows] == [
        (alice.email, "385.00"),
        (erik.email, "360.00"),
    ]
