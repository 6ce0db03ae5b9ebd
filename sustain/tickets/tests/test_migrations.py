"""Data migrations of the tickets app, run back and forth on the test database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sustain.accounts.models import User
from sustain.tickets.models import Activity, Ticket

BEFORE = ("tickets", "0008_status_and_team_index_columns")
CODES = ("tickets", "0009_activity_stores_codes")

# (field, logged before, logged after): every way a label may have been written, and values
# that must stay as they are.
ROWS = [
    ("status", "New", "new"),
    ("status", "Pending customer", "pending_customer"),
    ("status", "pending customer", "pending_customer"),
    ("status", "Pending Third Party", "pending_third_party"),
    ("status", "Closed", "closed"),
    ("status", "open", "open"),  # already a code
    ("priority", "P2 – high", "2"),
    ("priority", "P1 - critical", "1"),
    ("priority", "3", "3"),
    ("impact", "High", "high"),
    ("urgency", "low", "low"),
    ("kind", "Service request", "service_request"),
    ("maintenance_type", "Preventive", "preventive"),
    ("channel", "E-mail", "email"),
    ("title", "Closed", "Closed"),  # free text, not a coded field
    ("sla_breach", "Open", "Open"),
]


def migrate(target: tuple[str, str]) -> Any:
    """Migrate the tickets app to ``target``; returns the models as they were there."""
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


@pytest.fixture
def at_the_last_migration(transactional_db: None) -> Iterator[None]:
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.usefixtures("at_the_last_migration")
def test_logged_labels_become_codes_and_go_back_to_status_labels(
    make_ticket: Callable[..., Ticket], bob: User
) -> None:
    ticket = make_ticket(bob)
    Activity.objects.all().delete()
    old_apps = migrate(BEFORE)
    OldActivity = old_apps.get_model("tickets", "Activity")
    OldActivity.objects.bulk_create(
        OldActivity(
            ticket_id=ticket.pk,
            channel="web",
            action="changed",
            field=name,
            old_value=before,
            new_value=before,
        )
        for name, before, _after in ROWS
    )

    with CaptureQueriesContext(connection) as queries:
        migrate(CODES)

    after = list(Activity.objects.order_by("id").values_list("field", "old_value", "new_value"))
    assert after == [(name, code, code) for name, _before, code in ROWS]
    # One statement for the whole table, however many rows it holds.
    assert (
        sum(q["sql"].lstrip().upper().startswith("UPDATE") for q in queries.captured_queries) == 1
    )

    migrate(BEFORE)
    back = Activity.objects.order_by("id").values_list("field", "new_value")
    # Only status was logged by label before; the other fields held codes already.
    assert [value for name, value in back if name == "status"] == [
        "New",
        "Pending customer",
        "Pending customer",
        "Pending third party",
        "Closed",
        "Open",
    ]
    assert [value for name, value in back if name == "priority"] == ["2", "1", "3"]


BEFORE_SYSTEM = ("tickets", "0010_catalogue_in_catalog")
SYSTEM = ("tickets", "0011_activity_system_actor")


@pytest.mark.usefixtures("at_the_last_migration")
def test_earlier_entries_of_the_system_are_named_after_it(
    make_ticket: Callable[..., Ticket], bob: User, alice: User
) -> None:
    ticket = make_ticket(bob)
    Activity.objects.all().delete()
    old_apps = migrate(BEFORE_SYSTEM)
    OldActivity = old_apps.get_model("tickets", "Activity")
    rows = [
        # (actor, channel, action, field): the SLA sweep, e-mail's link, and people
        (None, "system", "changed", "sla_breach"),
        (None, "email", "linked", "related"),
        (alice.pk, "system", "changed", "status"),
        (None, "email", "changed", "email_warning"),
        (None, "web", "changed", "title"),
    ]
    OldActivity.objects.bulk_create(
        OldActivity(ticket_id=ticket.pk, actor_id=actor, channel=channel, action=action, field=f)
        for actor, channel, action, f in rows
    )

    migrate(SYSTEM)

    named = Activity.objects.order_by("id").values_list("actor_id", "system_actor")
    assert list(named) == [
        (None, "sla_escalation"),
        (None, "email"),
        (alice.pk, ""),
        (None, ""),
        (None, ""),
    ]
    migrate(BEFORE_SYSTEM)


PUBLIC_UPDATE = ("tickets", "0012_public_updated_at")


@pytest.mark.usefixtures("at_the_last_migration")
def test_the_public_update_is_filled_from_the_last_entry_the_customer_saw(
    make_ticket: Callable[..., Ticket], bob: User, alice: User
) -> None:
    start = timezone.now() - timedelta(days=3)
    replied, noted, untouched = (make_ticket(bob, title=t) for t in ("replied", "noted", "none"))
    Activity.objects.all().delete()
    old_apps = migrate(SYSTEM)
    OldTicket = old_apps.get_model("tickets", "Ticket")
    OldActivity = old_apps.get_model("tickets", "Activity")
    OldTicket.objects.update(created_at=start, updated_at=start + timedelta(hours=5))

    def logged(ticket: Ticket, hours: int, action: str, field: str = "") -> None:
        OldActivity.objects.create(
            ticket_id=ticket.pk,
            channel="web",
            action=action,
            field=field,
            created_at=start + timedelta(hours=hours),
        )

    logged(replied, 0, "created")
    logged(replied, 1, "replied")
    logged(replied, 2, "changed", "status")
    logged(replied, 3, "noted")
    logged(replied, 4, "changed", "priority")
    logged(noted, 0, "created")
    logged(noted, 5, "noted")

    with CaptureQueriesContext(connection) as queries:
        migrate(PUBLIC_UPDATE)

    public = dict(Ticket.objects.values_list("pk", "public_updated_at"))
    assert public == {
        replied.pk: start + timedelta(hours=2),  # the status change; not the note after it
        noted.pk: start,  # only created, then a note
        untouched.pk: start,  # nothing logged at all
    }
    # One statement for the whole table, however many rows it holds.
    assert (
        sum(q["sql"].lstrip().upper().startswith("UPDATE") for q in queries.captured_queries) == 1
    )
