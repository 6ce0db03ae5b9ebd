"""Product pages, their forms, the import form and the iCalendar feed."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from icalendar import Calendar

from sustain.accounts.models import User
from sustain.catalog.models import Product, Version
from sustain.factories import PASSWORD, make_product
from sustain.releases.ical import feed_key
from sustain.releases.line_models import ReleaseLine
from sustain.releases.line_services import LineData, create_line

pytestmark = pytest.mark.django_db


def signed_in(user: User) -> Client:
    client = Client()
    assert client.login(username=user.email, password=PASSWORD)
    return client


@pytest.fixture
def gizmo(lead: User) -> Product:
    product = make_product(
        "Gizmo", components=["Sync"], versions=["4.1.0", "4.2.0", "4.10.0"], scheme="semver"
    )
    create_line(
        actor=lead,
        product=product,
        data=LineData(
            name="4.2",
            release_date=date(2024, 1, 1),
            eoas=date(2025, 1, 1),
            eol=date(2026, 1, 1),
            eoes=date(2028, 1, 1),
        ),
    )
    return product


def test_the_product_page_shows_versions_in_scheme_order_and_lines(
    lead: User, gizmo: Product, django_assert_max_num_queries
) -> None:
    client = signed_in(lead)
    with django_assert_max_num_queries(12):
        page = client.get(f"/products/{gizmo.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    versions = html[html.index('id="versions-heading"') :]
    assert versions.index("4.10.0") < versions.index("4.2.0") < versions.index("4.1.0")
    assert "<svg" in html
    assert "phase-extended" in html
    assert f"/products/{gizmo.pk}/lifecycle.ics?key=" in html


def test_the_products_list(lead: User, gizmo: Product) -> None:
    page = signed_in(lead).get("/products/")
    assert page.status_code == 200
    assert "Gizmo" in page.content.decode()


def test_customers_do_not_open_the_workspace_pages(bob: User, gizmo: Product) -> None:
    assert signed_in(bob).get(f"/products/{gizmo.pk}/").status_code in (302, 403)


def test_agents_read_but_do_not_change(alice: User, gizmo: Product) -> None:
    client = signed_in(alice)
    assert client.get(f"/products/{gizmo.pk}/").status_code == 200
    assert client.get(f"/products/{gizmo.pk}/lines/new/").status_code == 403
    client.post(f"/products/{gizmo.pk}/versions/", {"name": "5.0.0"})
    assert not Version.objects.filter(name="5.0.0").exists()


def test_a_lead_adds_a_version_and_a_bad_one_is_explained(lead: User, gizmo: Product) -> None:
    client = signed_in(lead)
    client.post(f"/products/{gizmo.pk}/versions/", {"name": "4.2.1"})
    assert Version.objects.filter(name="4.2.1", end_of_life=date(2026, 1, 1)).exists()
    page = client.post(f"/products/{gizmo.pk}/versions/", {"name": "4.3"}, follow=True)
    assert "not a semantic version" in page.content.decode()


def test_the_line_form_saves_dates_and_yes_no(lead: User, gizmo: Product) -> None:
    client = signed_in(lead)
    answer = client.post(
        f"/products/{gizmo.pk}/lines/new/",
        {
            "name": "4.10",
            "release_date": "2025-06-01",
            "lts_0": "yes",
            "eoas_0": "date",
            "eoas_1": "2026-06-01",
            "eol_0": "no",
            "eoes_0": "",
            "discontinued_0": "",
        },
    )
    assert answer.status_code == 302, answer.content.decode()
    line = ReleaseLine.objects.get(name="4.10")
    assert (line.lts, line.eoas_on, line.eol, line.eoes) == (True, date(2026, 6, 1), False, None)
    assert line.version_prefix == "4.10."


def test_the_line_form_shows_a_service_refusal_beside_the_field(lead: User, gizmo: Product) -> None:
    answer = signed_in(lead).post(
        f"/products/{gizmo.pk}/lines/new/",
        {"name": "5.0", "release_date": "2025-06-01", "eol_0": "date", "eol_1": "2020-01-01"},
    )
    assert answer.status_code == 422
    assert "comes before release_date" in answer.content.decode()


def test_the_import_form_lists_every_problem(lead: User, gizmo: Product) -> None:
    answer = signed_in(lead).post(
        f"/products/{gizmo.pk}/lifecycle/import/",
        {"content": "releases:\n- releaseCycle: '5.0'\n  eol: later\n  lts: maybe\n"},
    )
    assert answer.status_code == 422
    html = answer.content.decode()
    assert "nothing was imported" in html
    assert "line 3" in html
    assert "releases[0].lts" in html
    assert not ReleaseLine.objects.filter(name="5.0").exists()


def test_the_import_form_imports(lead: User, gizmo: Product) -> None:
    answer = signed_in(lead).post(
        f"/products/{gizmo.pk}/lifecycle/import/",
        {"content": "releases:\n- releaseCycle: '5.0'\n  eol: false\n  latest: '5.0.1'\n"},
    )
    assert answer.status_code == 302
    assert Version.objects.filter(name="5.0.1").exists()


def test_the_export_downloads(lead: User, gizmo: Product) -> None:
    answer = signed_in(lead).get(f"/products/{gizmo.pk}/lifecycle.yaml")
    assert answer["Content-Disposition"] == 'attachment; filename="gizmo-lifecycle.yaml"'
    assert b"releaseCycle: '4.2'" in answer.content


def test_the_calendar_feed_opens_with_its_key_and_holds_each_milestone(gizmo: Product) -> None:
    anonymous = Client()
    assert anonymous.get(f"/products/{gizmo.pk}/lifecycle.ics").status_code == 404
    assert anonymous.get(f"/products/{gizmo.pk}/lifecycle.ics?key=nope").status_code == 404
    answer = anonymous.get(f"/products/{gizmo.pk}/lifecycle.ics?key={feed_key(gizmo.pk)}")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(answer.content)
    events = {str(e["summary"]): e for e in calendar.walk("VEVENT")}
    assert sorted(events) == [
        "Gizmo 4.2: end of active support",
        "Gizmo 4.2: end of extended support",
        "Gizmo 4.2: end of life",
        "Gizmo 4.2: released",
    ]
    eol = events["Gizmo 4.2: end of life"]
    assert eol.decoded("dtstart") == date(2026, 1, 1)
    assert eol.decoded("dtend") == date(2026, 1, 2)
    assert str(eol["uid"]).startswith("line-")


def test_the_calendar_feed_uids_stay_when_a_date_moves(lead: User, gizmo: Product) -> None:
    from dataclasses import replace

    from sustain.releases.line_services import line_data, update_line

    url = f"/products/{gizmo.pk}/lifecycle.ics?key={feed_key(gizmo.pk)}"
    before = {str(e["uid"]) for e in Calendar.from_ical(Client().get(url).content).walk("VEVENT")}
    line = ReleaseLine.objects.get()
    update_line(actor=lead, line=line, data=replace(line_data(line), eol=date(2026, 6, 1)))
    after = Calendar.from_ical(Client().get(url).content).walk("VEVENT")
    assert {str(e["uid"]) for e in after} == before
