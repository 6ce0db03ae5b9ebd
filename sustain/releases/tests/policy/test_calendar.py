"""The per-customer lifecycle calendar: the lines of what an organisation runs, opened with a
person's key while that person may see the organisation, or by anyone signed in who may."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from sustain.releases.policy.calendar import feed_key


def _url(org, key=None):
    url = reverse("policy:organisation_feed", args=[org.pk])
    return f"{url}?key={key}" if key is not None else url


@pytest.fixture
def acme_runs(deploy, acme, globex, fv, lines):
    deploy(acme, fv["4.10.0"])
    deploy(acme, fv["4.2.0"], "staging")
    deploy(globex, fv["5.0.0"])


def _summaries(response):
    calendar = Calendar.from_ical(response.content)
    return sorted(str(e["summary"]) for e in calendar.walk("VEVENT"))


def test_the_feed_holds_the_lines_the_organisation_runs_and_no_other(acme_runs, acme, bob):
    response = Client().get(_url(acme, feed_key(bob, acme.pk)))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert _summaries(response) == ["Fleet 4.10: end of life", "Fleet 4.2: end of life"]
    assert b"Fleet 5.0" not in response.content
    assert b"X-WR-CALNAME:Acme: lifecycle" in response.content


def test_a_key_is_refused_for_another_organisation_when_forged_or_when_its_holder_leaves(
    acme_runs, acme, globex, bob, carol
):
    bobs = feed_key(bob, acme.pk)
    assert Client().get(_url(globex, bobs)).status_code == 404  # another organisation
    assert Client().get(_url(acme, feed_key(carol, acme.pk))).status_code == 404  # not hers
    assert Client().get(_url(acme, bobs[:-2] + "xx")).status_code == 404
    assert Client().get(_url(acme, "12-")).status_code == 404
    assert Client().get(_url(acme, "x" * 500)).status_code == 404
    assert Client().get(_url(acme)).status_code == 404
    assert (
        Client()
        .get(reverse("policy:organisation_feed", args=[999999]) + "?key=" + bobs)
        .status_code
        == 404
    )

    bob.is_active = False
    bob.save()
    assert Client().get(_url(acme, bobs)).status_code == 404


def test_the_api_gives_the_address_with_the_callers_key(acme_runs, acme, bob, carol, api_client):
    url = f"/api/v1/organisations/{acme.pk}/lifecycle-feed"
    address = api_client(bob).get(url).json()["url"]

    assert address.endswith(_url(acme, feed_key(bob, acme.pk)))
    parts = urlsplit(address)
    assert Client().get(f"{parts.path}?{parts.query}").status_code == 200
    assert api_client(carol).get(url).status_code == 404


def test_staff_keys_open_any_organisation_and_signed_in_people_need_none(
    acme_runs, acme, alice, carol
):
    assert Client().get(_url(acme, feed_key(alice, acme.pk))).status_code == 200
    signed_in = Client()
    signed_in.force_login(alice)
    assert signed_in.get(_url(acme)).status_code == 200
    other = Client()
    other.force_login(carol)
    assert other.get(_url(acme)).status_code == 404
