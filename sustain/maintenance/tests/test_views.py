"""The maintenance pages: calendar views, the editor and its conflicts panel, ad-hoc
maintenance, freezes; the portal's upcoming list."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from sustain.maintenance.models import FreezePeriod, MaintenanceWindow
from sustain.maintenance.tests.conftest import local, next_monday


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form(**fields):
    data = {
        "title": "Sunday patching",
        "start": local(next_monday() + timedelta(days=6)).strftime("%Y-%m-%dT%H:%M"),
        "time_zone": "Europe/Berlin",
        "duration": "PT2H",
        "rrule": "FREQ=WEEKLY;BYDAY=SU",
        "activities": "Patch\nReboot",
    }
    return data | fields


@pytest.mark.parametrize("view", ["month", "week", "agenda"])
def test_calendar_shows_the_instances(plan, alice, view, django_assert_max_num_queries):
    plan(title="Sunday patching", rrule="FREQ=WEEKLY;BYDAY=SU")
    day = (next_monday() + timedelta(days=6)).isoformat()
    client = signed_in(alice)
    with django_assert_max_num_queries(12):
        page = client.get("/maintenance/", {"view": view, "date": day})
    assert page.status_code == 200
    assert "Sunday patching" in page.content.decode()


def test_customer_does_not_open_the_workspace_calendar(bob):
    assert signed_in(bob).get("/maintenance/").status_code in (302, 403)


def test_agent_reads_but_may_not_plan(alice, plan):
    window = plan()
    client = signed_in(alice)
    assert client.get("/maintenance/windows/new").status_code == 403
    page = client.get(f"/maintenance/windows/{window.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Save the window" not in body
    assert "Repeats" in body


def test_editor_plans_a_window_and_shows_warnings(engineer, sync, plan):
    plan(title="Existing", component_ids=[sync.pk])
    client = signed_in(engineer)
    answer = client.post("/maintenance/windows/new", _form(components=[sync.pk]), follow=True)
    assert answer.status_code == 200
    created = MaintenanceWindow.objects.get(title="Sunday patching")
    assert created.activities == ["Patch", "Reboot"]
    assert "Overlaps “Existing”" in answer.content.decode()


def test_editor_shows_field_errors_with_422(engineer):
    answer = signed_in(engineer).post(
        "/maintenance/windows/new", _form(time_zone="Atlantis/Capital", rrule="FREQ=SECONDLY")
    )
    assert answer.status_code == 422
    body = answer.content.decode()
    assert "not a known time zone" in body
    assert "at most hourly" in body


def test_conflicts_panel_names_the_clash(engineer, sync, plan):
    plan(title="Existing", component_ids=[sync.pk])
    panel = signed_in(engineer).post("/maintenance/windows/check", _form(components=[sync.pk]))
    assert panel.status_code == 200
    assert "Overlaps “Existing”" in panel.content.decode()
    clean = signed_in(engineer).post("/maintenance/windows/check", _form())
    assert "No conflicts" in clean.content.decode()


def test_refused_conflict_is_shown_on_the_form(engineer, gizmo):
    now = timezone.now()
    FreezePeriod.objects.create(title="Peak", starts_at=now, ends_at=now + timedelta(days=30))
    answer = signed_in(engineer).post("/maintenance/windows/new", _form(products=[gizmo.pk]))
    assert answer.status_code == 422
    assert "Peak" in answer.content.decode()
    assert not MaintenanceWindow.objects.exists()


def test_edit_and_cancel(engineer, plan):
    window = plan()
    client = signed_in(engineer)
    client.post(f"/maintenance/windows/{window.pk}/", _form(title="Renamed"))
    window.refresh_from_db()
    assert window.title == "Renamed"
    client.post(f"/maintenance/windows/{window.pk}/cancel")
    window.refresh_from_db()
    assert window.status == "cancelled"


def test_adhoc_from_the_calendar(engineer, gizmo):
    answer = signed_in(engineer).post("/maintenance/adhoc", {"hours": "3", "products": [gizmo.pk]})
    window = MaintenanceWindow.objects.get()
    assert answer.status_code == 302
    assert window.adhoc
    assert window.duration == "PT3H"
    refused = signed_in(engineer).post("/maintenance/adhoc", {"hours": "0"})
    assert refused.status_code == 302
    assert MaintenanceWindow.objects.count() == 1


def test_freezes_page_declares_and_removes(engineer):
    client = signed_in(engineer)
    start = timezone.localtime() + timedelta(days=2)
    answer = client.post(
        "/maintenance/freezes/",
        {
            "title": "Year end",
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert answer.status_code == 302
    freeze = FreezePeriod.objects.get()
    assert "Year end" in client.get("/maintenance/freezes/").content.decode()
    bad = client.post(
        "/maintenance/freezes/",
        {"title": "x", "starts_at": "2027-01-02T00:00", "ends_at": "2027-01-01T00:00"},
    )
    assert bad.status_code == 422
    client.post(f"/maintenance/freezes/{freeze.pk}/delete")
    assert not FreezePeriod.objects.exists()


def test_portal_lists_upcoming_maintenance_of_my_organisation(plan, gizmo, bob, carol, deployed):
    plan(title="Gizmo upgrade", product_ids=[gizmo.pk], description="Short outage.")
    mine = signed_in(bob).get("/portal/maintenance/")
    assert mine.status_code == 200
    assert "Gizmo upgrade" in mine.content.decode()
    other = signed_in(carol).get("/portal/maintenance/")
    assert "Gizmo upgrade" not in other.content.decode()
    assert "No maintenance planned" in other.content.decode()


def test_conflicts_panel_works_before_a_title_is_typed(engineer, sync, plan):
    plan(title="Existing", component_ids=[sync.pk])
    panel = signed_in(engineer).post(
        "/maintenance/windows/check", _form(title="", components=[sync.pk])
    )
    assert "Overlaps “Existing”" in panel.content.decode()
    unfinished = signed_in(engineer).post("/maintenance/windows/check", _form(time_zone=""))
    assert "Fill in" in unfinished.content.decode()
