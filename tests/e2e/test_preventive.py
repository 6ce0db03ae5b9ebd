"""Preventive maintenance in a real browser at 1280×800: an engineer plans a schedule in the
editor, the sweep opens its ticket, the ticket cannot be resolved before its mandatory
checklist item is ticked on the ticket page."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from playwright.sync_api import Page, expect

from sustain.accounts.choices import Role
from sustain.accounts.models import Team, User
from sustain.factories import make_organisation, make_product, make_team, make_user
from sustain.preventive.choices import Mode
from sustain.preventive.models import Occurrence, Schedule
from sustain.preventive.services import ScheduleData, create_schedule
from sustain.preventive.sweep import sweep
from sustain.tickets.checklists import NewItem
from tests.e2e.conftest import check_accessibility, htmx_idle, screenshot, sign_in

SIZE = {"width": 1280, "height": 800}


def no_horizontal_scroll(page: Page) -> None:
    overflow = page.evaluate(
        "() => document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth"
    )
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"


@pytest.fixture
def engineer(db: None) -> User:
    return make_user("erik@sustain.test", role=Role.ENGINEER, full_name="Erik Engström")


@pytest.fixture
def ops(engineer: User, alice: User) -> Team:
    team = make_team("Operations", members=[engineer, alice])
    gizmo = make_product("Gizmo", components=["Database", "Sync"])
    acme = make_organisation("Acme Logistics")
    today = datetime.now(UTC).date()
    for name, rule, days, items in [
        ("Rotate backup disks", "FREQ=WEEKLY;BYDAY=MO", 1, ["*Swap the disk", "Label it"]),
        ("Renew TLS certificates", "FREQ=MONTHLY;BYMONTHDAY=1", 14, ["*Renew", "*Deploy"]),
        ("Vacuum the Gizmo database", "FREQ=MONTHLY;BYDAY=1SU", 2, ["*Run VACUUM ANALYZE"]),
        ("Quarterly restore drill", "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=15", 7, ["*Restore"]),
    ]:
        create_schedule(
            actor=engineer,
            data=ScheduleData(
                name=name,
                start_date=today,
                start_time=time(9),
                time_zone="Europe/Berlin",
                rrule=rule,
                lead_time=timedelta(days=days),
                team=team,
                product=gizmo,
                component=gizmo.components.get(name="Database"),
                organisation=acme,
                checklist=[NewItem(i.lstrip("*"), i.startswith("*")) for i in items],
            ),
        )
    create_schedule(
        actor=engineer,
        data=ScheduleData(
            name="Inspect the UPS batteries",
            mode=Mode.AFTER_COMPLETION,
            interval_days=90,
            start_date=today - timedelta(days=2),
            start_time=time(10),
            time_zone="Europe/Berlin",
            team=team,
            assignee=alice,
            checklist=[NewItem("Check the load test", True), NewItem("Note the readings")],
        ),
    )
    return team


def test_engineer_plans_a_schedule_and_ticks_the_checklist_of_its_ticket(
    new_page, engineer: User, ops: Team
) -> None:
    page = new_page(viewport=SIZE)
    sign_in(page, engineer.email)
    page.goto("/preventive/new")
    page.get_by_label("Name").fill("Check the replication lag")
    page.get_by_label("Recurrence rule").fill("FREQ=DAILY;BYHOUR=7")
    page.get_by_label("First due on").fill(datetime.now(UTC).date().isoformat())
    page.get_by_label("Due at (local time)").fill("07:00")
    page.get_by_label("Time zone").fill("Europe/Berlin")
    page.get_by_label("Checklist").fill("* Read the lag graph\nNote anything odd")
    page.get_by_label("Team").select_option(label="Operations")
    no_horizontal_scroll(page)
    screenshot(page, "preventive-editor")
    page.get_by_role("button", name="Save the schedule").click()
    expect(page.get_by_role("heading", name="Check the replication lag")).to_be_visible()
    check_accessibility(page, "the schedule page")

    sweep()  # the UPS inspection and the backups are due to open
    page.goto("/preventive/")
    expect(page.get_by_role("link", name="Rotate backup disks")).to_be_visible()
    no_horizontal_scroll(page)
    check_accessibility(page, "the schedule list")
    screenshot(page, "preventive-list")

    ups = Occurrence.objects.get(schedule=Schedule.objects.get(name="Inspect the UPS batteries"))
    assert ups.ticket is not None
    page.goto(f"/tickets/{ups.ticket.number}")
    page.get_by_label("Status").select_option("resolved")
    expect(page.locator("#error-status")).to_contain_text("Check the load test")
    page.get_by_role("button", name="Mark done: Check the load test").click()
    htmx_idle(page)
    expect(page.get_by_role("button", name="Open again: Check the load test")).to_be_visible()
    no_horizontal_scroll(page)
    screenshot(page, "preventive-ticket-checklist")
    page.get_by_label("Status").select_option("resolved")
    htmx_idle(page)
    ups.refresh_from_db()
    assert ups.outcome == "late"  # it was due two days ago
    page.goto(f"/preventive/{ups.schedule_id}/")
    expect(page.get_by_text("Done late")).to_be_visible()
    no_horizontal_scroll(page)
    screenshot(page, "preventive-history")
