"""Announcements: ahead, at the start and at the end of each instance, once per person, to
the customers of the affected organisations only, through the outbox."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import override_settings

from sustain.accounts.choices import Role
from sustain.core.models import OutboxMessage
from sustain.factories import make_user
from sustain.maintenance.announcements import announce_due
from sustain.maintenance.models import Announcement
from sustain.maintenance.tests.conftest import local, next_monday


@pytest.fixture
def window(plan, gizmo, deployed):
    # Next Monday 10:00–12:00 UTC, then the two Mondays after (COUNT=3).
    return plan(
        title="Gizmo upgrade",
        start=local(next_monday(), 10),
        time_zone="UTC",
        rrule="FREQ=WEEKLY;COUNT=3",
        product_ids=[gizmo.pk],
        description="The portal is read-only meanwhile.",
    )


def monday(hour: int, minute: int = 0, week: int = 0) -> datetime:
    day = next_monday() + timedelta(weeks=week)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def emails():
    return list(OutboxMessage.objects.filter(kind="email").order_by("pk"))


def test_ahead_start_and_end_once_each_per_person(window, bob, bob_colleague, carol, alice):
    assert announce_due(monday(10) - timedelta(hours=25)) == 0  # not yet within 24 h
    assert announce_due(monday(9)) == 2  # ahead, to both Acme customers
    assert announce_due(monday(9, 30)) == 0  # once
    assert announce_due(monday(10, 1)) == 2  # start
    assert announce_due(monday(11)) == 0
    assert announce_due(monday(12, 5)) == 2  # end
    assert announce_due(monday(13)) == 0
    sent = emails()
    assert len(sent) == 6
    recipients = {address for row in sent for address in row.payload["to"]}
    assert recipients == {bob.email, bob_colleague.email}  # not carol (Globex), not staff
    subjects = [row.payload["subject"] for row in sent]
    assert subjects[0].startswith("Planned maintenance: Gizmo upgrade")
    assert subjects[2] == "Maintenance has started: Gizmo upgrade"
    assert subjects[4] == "Maintenance has ended: Gizmo upgrade"
    assert "read-only" in sent[0].payload["body"]
    assert Announcement.objects.count() == 6


def test_each_instance_is_announced_on_its_own(window, bob):
    announce_due(monday(9))
    announce_due(monday(9, week=1))
    assert Announcement.objects.filter(kind="ahead").count() == 2
    assert len({a.occurrence_start for a in Announcement.objects.all()}) == 2


def test_a_missed_ahead_notice_is_not_sent_once_started(window, bob):
    assert announce_due(monday(10, 30)) == 1
    assert [a.kind for a in Announcement.objects.all()] == ["start"]


def test_new_customer_joining_later_is_told_too_and_others_not_again(window, bob, acme):
    announce_due(monday(9))
    late = make_user("late@acme.test", role=Role.CUSTOMER, organisation=acme)
    assert announce_due(monday(9, 30)) == 1
    assert emails()[-1].payload["to"] == [late.email]


@override_settings(SUSTAIN_MAINTENANCE_NOTICE_HOURS=48)
def test_notice_period_is_configurable(window, bob):
    assert announce_due(monday(10) - timedelta(hours=47)) == 1


def test_cancelled_window_is_not_announced(window, bob, engineer):
    from sustain.maintenance.services import cancel_window

    cancel_window(actor=engineer, window_id=window.pk)
    assert announce_due(monday(9)) == 0
