"""Handover notices: incoming and outgoing people told once each, before the handover."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sustain.accounts.models import Team, User
from sustain.core.models import OutboxMessage
from sustain.oncall import services
from sustain.oncall.models import HandoverNotice
from sustain.oncall.notices import send_handover_notices

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


def mails() -> list[tuple[list[str], str]]:
    return [(m.payload["to"], m.payload["subject"]) for m in OutboxMessage.objects.order_by("id")]


def test_the_incoming_and_outgoing_people_are_told_once_each(
    make_rotation, alice: User, erik: User
):
    make_rotation([alice, erik])
    handover = datetime(2026, 6, 2, 9, tzinfo=BERLIN)
    assert send_handover_notices(now=handover - timedelta(hours=2)) == 0
    assert send_handover_notices(now=handover - timedelta(minutes=20)) == 2
    # Again, and again after the handover: nothing new.
    assert send_handover_notices(now=handover - timedelta(minutes=15)) == 0
    assert send_handover_notices(now=handover + timedelta(minutes=5)) == 0
    sent = mails()
    assert len(sent) == 2
    assert (
        ["erik@sustain.test"],
        "You are on call for Support from Tue 02 Jun 2026 07:00 UTC",
    ) in sent
    assert any(to == [alice.email] and "ends at" in subject for to, subject in sent)
    assert set(HandoverNotice.objects.values_list("role", flat=True)) == {"incoming", "outgoing"}


def test_an_override_without_a_rotation_tells_only_the_person_covering(
    lead: User, alice: User, erik: User, support: Team
):
    start = datetime(2026, 6, 3, 12, tzinfo=BERLIN)
    services.create_override(
        actor=lead, team=support, user=erik, starts_at=start, ends_at=start + timedelta(hours=4)
    )
    # Nobody before or after: erik is told he starts, then that his shift ends.
    assert send_handover_notices(now=start - timedelta(minutes=10)) == 1
    assert send_handover_notices(now=start + timedelta(hours=4, minutes=-10)) == 1
    assert [to for to, _ in mails()] == [[erik.email], [erik.email]]
    assert "nobody is scheduled next" in OutboxMessage.objects.order_by("id")[1].payload["body"]


def test_notices_follow_overrides_on_top_of_a_rotation(
    make_rotation, lead: User, alice: User, erik: User, support: Team
):
    make_rotation([alice], start_date=date(2026, 6, 1))
    start = datetime(2026, 6, 3, 12, tzinfo=BERLIN)
    services.create_override(
        actor=lead, team=support, user=erik, starts_at=start, ends_at=start + timedelta(hours=4)
    )
    assert send_handover_notices(now=start - timedelta(minutes=10)) == 2
    assert send_handover_notices(now=start + timedelta(hours=4, minutes=-10)) == 2
    roles = list(
        HandoverNotice.objects.order_by("handover_at", "role").values_list("user__email", "role")
    )
    assert roles == [
        ("erik@sustain.test", "incoming"),
        ("alice@sustain.test", "outgoing"),
        ("alice@sustain.test", "incoming"),
        ("erik@sustain.test", "outgoing"),
    ]
