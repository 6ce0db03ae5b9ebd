"""Rotations, overrides and swaps through the services, and ``on_call`` on the database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from sustain.accounts.models import Team, User
from sustain.accounts.on_call import on_call_for
from sustain.core.errors import Conflict, PermissionDenied, ValidationFailed
from sustain.oncall import services
from sustain.oncall.models import Override, Rotation
from sustain.oncall.selectors import on_call, team_schedule
from sustain.oncall.services import RotationData, SwapRequest

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


def berlin(y: int, m: int, d: int, hour: int = 0) -> datetime:
    return datetime(y, m, d, hour, tzinfo=BERLIN)


def test_on_call_follows_the_rotation_and_the_handover_belongs_to_the_incoming(
    make_rotation: Callable[..., Rotation], alice: User, erik: User, support: Team
):
    make_rotation([alice, erik])
    handover = berlin(2026, 6, 2, 9)
    assert on_call(support, handover - timedelta(seconds=1)) == alice
    assert on_call(support, handover) == erik
    # What SLA escalations ask goes through the registry in accounts.
    assert on_call_for(support.pk, handover) == erik
    assert on_call_for(None, handover) is None


def test_a_daily_rotation_keeps_its_local_handover_across_dst_in_new_york(
    make_rotation: Callable[..., Rotation], alice: User, erik: User, support: Team
):
    make_rotation([alice, erik], time_zone="America/New_York", start_date=date(2026, 10, 31))
    zone = ZoneInfo("America/New_York")
    pieces = team_schedule(
        support, datetime(2026, 10, 31, 9, tzinfo=zone), datetime(2026, 11, 2, 9, tzinfo=zone)
    )
    assert [(p.user_id, p.hours) for p in pieces] == [(alice.pk, 25.0), (erik.pk, 24.0)]


def test_override_beats_the_rotation_and_records_who_it_replaces(
    make_rotation: Callable[..., Rotation], lead: User, alice: User, erik: User, support: Team
):
    make_rotation([alice])
    start, end = berlin(2026, 6, 3, 12), berlin(2026, 6, 3, 18)
    override = services.create_override(
        actor=lead, team=support, user=erik, starts_at=start, ends_at=end, reason="dentist"
    )
    assert override.replaces == alice
    assert on_call(support, start) == erik
    assert on_call(support, end) == alice


def test_only_leads_change_rotations_and_overrides(
    make_rotation: Callable[..., Rotation], alice: User, erik: User, support: Team, bob: User
):
    rotation = make_rotation([alice])
    data = RotationData(name="X", handover_time=time(9), start_date=date(2026, 6, 1), member_ids=[])
    with pytest.raises(PermissionDenied):
        services.create_rotation(actor=alice, team=support, data=data)
    with pytest.raises(PermissionDenied):
        services.delete_rotation(actor=bob, rotation_id=rotation.pk)
    with pytest.raises(PermissionDenied):
        services.create_override(
            actor=alice,
            team=support,
            user=erik,
            starts_at=berlin(2026, 6, 3),
            ends_at=berlin(2026, 6, 4),
        )


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"name": " "}, "name"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"handover": "every_hours", "every": 0}, "every"),
        ({"restriction": "custom", "windows": []}, "windows"),
        ({"restriction": "custom", "windows": [(7, 0, 60)]}, "windows"),
        ({"restriction": "custom", "windows": [(1, 600, 500)]}, "windows"),
    ],
)
def test_bad_rotations_are_refused_naming_the_field(
    make_rotation: Callable[..., Rotation], alice: User, fields: dict[str, object], error: str
):
    with pytest.raises(ValidationFailed) as caught:
        make_rotation([alice], **fields)
    assert error in caught.value.errors


def test_rotation_members_must_be_active_staff_of_the_team(
    make_rotation: Callable[..., Rotation], alice: User, dave: User, bob: User
):
    for outsider in (dave, bob):
        with pytest.raises(ValidationFailed) as caught:
            make_rotation([alice, outsider])
        assert "member_ids" in caught.value.errors
    with pytest.raises(ValidationFailed):
        make_rotation([alice, alice])


def test_two_rotations_of_a_team_cannot_share_a_name(
    make_rotation: Callable[..., Rotation], alice: User
):
    make_rotation([alice])
    with pytest.raises(Conflict):
        make_rotation([alice])


def test_updating_a_rotation_changes_its_turns(
    make_rotation: Callable[..., Rotation], lead: User, alice: User, erik: User, support: Team
):
    rotation = make_rotation([alice, erik])
    data = RotationData(
        name="Primary",
        handover_time=time(9),
        start_date=date(2026, 6, 1),
        time_zone="Europe/Berlin",
        handover="daily",
        member_ids=[erik.pk, alice.pk],
    )
    services.update_rotation(actor=lead, rotation_id=rotation.pk, data=data)
    assert on_call(support, berlin(2026, 6, 1, 12)) == erik


def test_a_swap_accepted_by_the_partner_becomes_two_overrides_naming_who_agreed(
    make_rotation: Callable[..., Rotation], alice: User, erik: User, support: Team
):
    make_rotation([alice, erik])
    # alice has 1 June 09:00 - 2 June 09:00; erik has the 2nd.
    day1, day2, day3 = berlin(2026, 6, 1, 9), berlin(2026, 6, 2, 9), berlin(2026, 6, 3, 9)
    swap = services.request_swap(
        actor=alice,
        request=SwapRequest(
            team=support,
            partner=erik,
            give_start=day1,
            give_end=day2,
            take_start=day2,
            take_end=day3,
        ),
    )
    assert on_call(support, day1) == alice  # nothing changes until erik agrees
    with pytest.raises(PermissionDenied):
        services.decide_swap(actor=alice, swap_id=swap.pk, status="accepted")
    services.decide_swap(actor=erik, swap_id=swap.pk, status="accepted")
    assert on_call(support, day1) == erik
    assert on_call(support, day2) == alice
    overrides = Override.objects.filter(swap=swap)
    assert {(o.user_id, o.replaces_id, o.agreed_by_id) for o in overrides} == {
        (erik.pk, alice.pk, erik.pk),
        (alice.pk, erik.pk, erik.pk),
    }
    with pytest.raises(Conflict):
        services.decide_swap(actor=erik, swap_id=swap.pk, status="declined")


def test_a_swap_must_give_a_shift_one_holds(
    make_rotation: Callable[..., Rotation], alice: User, erik: User, support: Team
):
    make_rotation([alice, erik])
    with pytest.raises(ValidationFailed) as caught:
        services.request_swap(
            actor=alice,
            request=SwapRequest(
                team=support,
                partner=erik,
                give_start=berlin(2026, 6, 2, 9),  # erik's day
                give_end=berlin(2026, 6, 3, 9),
            ),
        )
    assert "give_start" in caught.value.errors


def test_an_override_needs_an_aware_positive_period(
    make_rotation: Callable[..., Rotation], lead: User, alice: User, support: Team
):
    with pytest.raises(ValidationFailed) as caught:
        services.create_override(
            actor=lead,
            team=support,
            user=alice,
            starts_at=datetime(2026, 6, 3, tzinfo=UTC),
            ends_at=datetime(2026, 6, 3, tzinfo=UTC),
        )
    assert "ends_at" in caught.value.errors
