"""sla/filters.py: "SLA due within N hours", a filter of every ticket list, registered by sla."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sustain.accounts.models import Team, User
from sustain.core.errors import ValidationFailed
from sustain.sla.engine import recompute
from sustain.sla.models import SlaPolicy
from sustain.tickets.filters import clean_filters, filter_tickets, registered_filters
from sustain.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_the_sla_registers_its_filter_into_tickets() -> None:
    assert "breaching" in {f.name for f in registered_filters()}


def test_tickets_due_within_the_hours_given(
    standard_policy: SlaPolicy, make_ticket: Callable[..., Ticket], alice: User, bob: User
) -> None:
    # The standard policy's first response is due in 2 h for P3 and in 4 h for P4.
    soon, later = make_ticket(bob), make_ticket(bob)
    Ticket.objects.filter(pk=later.pk).update(priority=4)
    recompute([later.pk])

    def due_within(hours: str) -> set[Ticket]:
        return set(filter_tickets(alice, clean_filters({"breaching": [hours]})))

    assert due_within("0") == set()
    assert due_within("3") == {soon}
    assert due_within("5") == {soon, later}


def test_the_filter_keeps_to_what_the_viewer_sees(
    standard_policy: SlaPolicy,
    make_ticket: Callable[..., Ticket],
    admin: User,
    alice: User,
    platform: Team,
) -> None:
    hidden = make_ticket(admin, team=platform)
    assert list(filter_tickets(admin, clean_filters({"breaching": ["3"]}))) == [hidden]
    assert list(filter_tickets(alice, clean_filters({"breaching": ["3"]}))) == []


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ("-1", "Give a number of hours from 0 up."),
        ("721", "Ensure this value is less than or equal to 720."),
        ("soon", "Enter a whole number."),
    ],
)
def test_bad_hours_are_refused(hours: str, message: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        clean_filters({"breaching": [hours]})
    assert refused.value.errors == {"breaching": [message]}
