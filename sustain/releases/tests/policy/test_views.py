"""The update-policy pages: the policy and notices on the product page and their forms, the
reports (CSV too), an organisation's standing, and the portal's panel."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from sustain.core.permissions import OPERATOR
from sustain.releases.policy.models import Deprecation, UpdatePolicy
from sustain.releases.policy.services import (
    DeprecationData,
    PolicyData,
    create_deprecation,
    set_policy,
)

from .conftest import TODAY


@pytest.fixture(autouse=True)
def _on_the_tests_day(monkeypatch):
    from sustain.releases.policy import reports

    monkeypatch.setattr(reports, "site_today", lambda: TODAY)


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def estate(deploy, acme, globex, fv, lines, fleet):
    deploy(acme, fv["4.1.1"])
    deploy(globex, fv["5.0.0"])
    set_policy(
        actor=OPERATOR, product=fleet, data=PolicyData(channels=["stable"], max_minor_behind=1)
    )
    create_deprecation(
        actor=OPERATOR,
        product=fleet,
        data=DeprecationData(
            feature="SOAP API",
            removed_in=fv["5.0.0"],
            text="Use the REST API.",
            announced_on=date(2025, 1, 1),
        ),
    )


def test_an_engineer_sets_the_policy_on_the_product_page(engineer, fleet):
    client = signed_in(engineer)
    page = client.get(reverse("products:product", args=[fleet.pk]))
    assert b"Set an update policy" in page.content

    bad = client.post(reverse("policy:policy", args=[fleet.pk]), {"delivery": "managed"})
    assert bad.status_code == 422
    assert b"This field is required" in bad.content
    saved = client.post(
        reverse("policy:policy", args=[fleet.pk]),
        {
            "channels": ["stable", "lts"],
            "max_minor_behind": "2",
            "delivery": "managed",
            "delivery_notes": "Monthly window",
        },
    )
    assert saved.status_code == 302
    page = client.get(reverse("products:product", args=[fleet.pk]))
    assert b"at most 2 minor versions" in page.content
    assert b"Monthly window" in page.content
    assert UpdatePolicy.objects.get().channels == ["stable", "lts"]


def test_agents_see_the_policy_but_may_not_change_it(alice, estate, fleet):
    page = signed_in(alice).get(reverse("products:product", args=[fleet.pk]))

    assert b"SOAP API" in page.content
    assert b"Edit the policy" not in page.content
    assert signed_in(alice).get(reverse("policy:policy", args=[fleet.pk])).status_code == 403


def test_a_deprecation_form_shows_the_services_refusal_beside_the_field(engineer, fleet, fv):
    client = signed_in(engineer)
    url = reverse("policy:deprecation_new", args=[fleet.pk])

    neither = client.post(url, {"text": "?"})
    backwards = client.post(
        url,
        {"feature": "Sync", "deprecated_from": fv["5.0.0"].pk, "removed_in": fv["4.2.0"].pk},
    )
    made = client.post(url, {"version": fv["4.0.0"].pk, "text": "Upgrade."})

    assert neither.status_code == 422
    assert b"Name either a version or a feature" in neither.content
    assert backwards.status_code == 422
    assert b"comes after the one it is deprecated from" in backwards.content
    assert made.status_code == 302
    notice = Deprecation.objects.get()
    assert (
        client.post(reverse("policy:deprecation_delete", args=[fleet.pk, notice.pk])).status_code
        == 302
    )
    assert not Deprecation.objects.exists()


def test_the_behind_report_lists_and_exports(alice, estate):
    client = signed_in(alice)
    page = client.get(reverse("policy:behind"))
    csv = client.get(reverse("policy:behind"), {"format": "csv"})

    assert page.status_code == 200
    assert b"1 deployment behind" in page.content
    assert b"Acme" in page.content
    assert csv["Content-Type"] == "text/csv; charset=utf-8"
    assert csv.content.decode().splitlines()[1].startswith("Acme,Fleet,production,4.1.1,5.0.0,")


def test_the_eol_report_takes_days_and_shows_a_bad_value(alice, estate):
    client = signed_in(alice)

    bad = client.get(reverse("policy:eol"), {"days": "-3"})
    wide = client.get(reverse("policy:eol"), {"days": "3650"})

    assert bad.status_code == 422
    assert b"Within days" in bad.content
    assert wide.status_code == 200
    assert b"within 3650 days" in wide.content


def test_customers_are_sent_to_the_portal_from_staff_reports(bob, estate):
    assert signed_in(bob).get(reverse("policy:behind")).status_code == 302


def test_the_portal_shows_the_notices_standing_and_calendar_of_the_customers_organisation(
    bob, estate
):
    page = signed_in(bob).get(reverse("portal:deployments"))

    assert page.status_code == 200
    assert b"SOAP API" in page.content
    assert b"you run 4.1.1 in production" in page.content
    assert b"3 minor versions behind 5.0.0" in page.content
    assert b"lifecycle.ics?key=" in page.content


def test_the_staff_organisation_page_shows_its_standing(alice, acme, globex, estate):
    page = signed_in(alice).get(reverse("policy:organisation", args=[globex.pk]))

    assert page.status_code == 200
    assert b"up to date" in page.content
    assert b"SOAP API" not in page.content  # Globex runs 5.0.0, where SOAP is gone


def _many_customers(deploy, fv, start, count):
    from sustain.factories import make_organisation

    for n in range(start, start + count):
        deploy(make_organisation(f"Customer {n:02}"), fv["4.1.1" if n % 2 else "4.10.0"])


@pytest.mark.parametrize(
    ("name", "params", "listed"),
    [("policy:behind", {}, b"Customer 21"), ("policy:eol", {"days": "3650"}, b"Customer 20")],
)
def test_the_reports_read_a_fixed_number_of_queries(
    alice, estate, deploy, fv, django_assert_max_num_queries, name, params, listed
):
    client = signed_in(alice)
    _many_customers(deploy, fv, 0, 2)
    with django_assert_max_num_queries(20) as few:
        client.get(reverse(name), params)
    _many_customers(deploy, fv, 2, 20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse(name), params)
    assert listed in page.content


def test_the_portal_panel_reads_a_fixed_number_of_queries(
    bob, acme, estate, deploy, fv, django_assert_max_num_queries
):
    client = signed_in(bob)
    with django_assert_max_num_queries(40) as few:
        client.get(reverse("portal:deployments"))
    for environment in ("staging", "test"):
        deploy(acme, fv["4.2.0"], environment)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("portal:deployments"))
    assert page.content.count(b"SOAP API") == 1
