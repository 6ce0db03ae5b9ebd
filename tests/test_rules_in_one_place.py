"""Each ticket rule is stated once, and every app that applies it answers as the rule does.

- "May this ticket be reopened or replied to" (``tickets.rules.reopen_window``): the ticket
  services, e-mail intake and the portal.
- "Who may be assigned" (``tickets.assignment.may_be_assigned``): the checks of a change, the
  ticket page's choices and the SQL of automatic assignment.
- "Who sees which ticket" (``tickets.selectors.visibility``): the ORM query of
  ``visible_tickets``, the check of one ticket (``may_read``, which ``get_ticket_for`` applies)
  and what the sorted lists derive from the rule, one of them in SQL.
"""

from __future__ import annotations

from datetime import timedelta
from itertools import product as combinations

import pytest
from django.utils import timezone

from sustain.accounts.actors import SLA_ESCALATION
from sustain.accounts.choices import Role
from sustain.accounts.models import Organisation, Team, User
from sustain.core.errors import Conflict, ServiceError, ValidationFailed
from sustain.desk.views.ticket_options import edit_options
from sustain.factories import make_team, make_user, open_ticket
from sustain.mail.services import receive
from sustain.mail.tests.factories import plain
from sustain.portal.selectors import ticket_view
from sustain.tickets import assignment, selectors, services
from sustain.tickets.choices import Status
from sustain.tickets.models import Ticket
from sustain.tickets.rules import reopen_window
from sustain.tickets.validation import check_assignee

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


# --- may this ticket be reopened or replied to ----------------------------------------------
def _finished(ticket: Ticket, status: str, days_ago: int) -> None:
    at = timezone.now() - days_ago * DAY
    Ticket.objects.filter(pk=ticket.pk).update(status=status, resolved_at=at, closed_at=at)


def _merged(ticket: Ticket, into: Ticket) -> None:
    _finished(ticket, Status.CLOSED, 0)
    Ticket.objects.filter(pk=ticket.pk).update(merged_into=into)


STATES = {
    "open": lambda ticket, other: None,
    "resolved yesterday": lambda ticket, other: _finished(ticket, Status.RESOLVED, 1),
    "closed yesterday": lambda ticket, other: _finished(ticket, Status.CLOSED, 1),
    "resolved long ago": lambda ticket, other: _finished(ticket, Status.RESOLVED, 60),
    "closed long ago": lambda ticket, other: _finished(ticket, Status.CLOSED, 60),
    "merged": _merged,
}


@pytest.mark.parametrize("state", STATES.values(), ids=STATES.keys())
def test_services_mail_and_portal_follow_the_one_reopen_window(state, make_ticket, bob):
    ticket, other = make_ticket(bob), make_ticket(bob)
    state(ticket, other)
    ticket = Ticket.objects.get(pk=ticket.pk)
    window = reopen_window(ticket)

    portal = ticket_view(bob, ticket)
    assert (portal.can_reply, portal.can_reopen) == (window.may_reply, window.may_reopen)
    assert portal.reopen_expired == window.expired
    # E-mail intake: the reply joins the ticket exactly when the rule allows (a reply to a
    # merged ticket goes to the one it was merged into; otherwise a new ticket opens).
    mail = receive(
        plain(sender=bob.email, subject=f"Re: [{ticket.number}] Still there?"), source="api"
    ).mail
    assert (mail.ticket_id == ticket.pk) == window.may_reply
    assert (mail.state == "follow_up") == (window.may_reply or window.merged)
    try:
        services.add_message(actor=bob, ref=ticket.pk, body="Still there?")
        replied = True
    except Conflict:
        replied = False
    assert replied == window.may_reply
    if window.finished and replied:
        assert Ticket.objects.get(pk=ticket.pk).status == Status.OPEN


@pytest.mark.parametrize("days_ago", [1, 60])
def test_a_customer_reopens_only_within_the_window(days_ago, make_ticket, bob):
    ticket = make_ticket(bob)
    _finished(ticket, Status.CLOSED, days_ago)
    window = reopen_window(Ticket.objects.get(pk=ticket.pk))
    try:
        services.transition_ticket(actor=bob, ref=ticket.pk, status=Status.OPEN)
        reopened = True
    except Conflict:
        reopened = False
    assert reopened == window.may_reopen == (days_ago == 1)


# --- who may be assigned --------------------------------------------------------------------
def test_checks_choices_and_automatic_assignment_agree_on_who_may_be_assigned(lead, bob):
    team = make_team("Rota")
    people: list[User] = []
    for role, active, member in combinations(Role.values, (True, False), (True, False)):
        if role in (Role.CUSTOMER, Role.CUSTOMER_ADMIN):
            continue  # staff only: customers are not offered, nor members of teams
        person = make_user(role=role, is_active=active)
        if member:
            team.members.add(person)
        people.append(person)
    ticket = open_ticket(lead, team=team, requester=bob)
    members = set(team.members.values_list("pk", flat=True))
    offered = {u.pk for u in edit_options(lead, ticket, set())["assignable"]}
    available = {u.pk for u in assignment.available_members(team)}

    for person in people:
        rule = assignment.may_be_assigned(person, members)
        try:
            check_assignee(person, team)
            checked = True
        except ValidationFailed:
            checked = False
        assert (checked, person.pk in offered, person.pk in available) == (rule, rule, rule), (
            person.role,
            person.is_active,
            person.pk in members,
        )


# --- who sees which ticket ------------------------------------------------------------------
def _personas(request: pytest.FixtureRequest) -> dict[str, User]:
    names = ["admin", "lead", "alice", "dave", "viewer", "bob", "bob_colleague", "acme_admin"]
    personas = {name: request.getfixturevalue(name) for name in [*names, "carol"]}
    personas["gone"] = make_user(role=Role.AGENT, is_active=False)
    return personas


def test_the_orm_query_and_the_sorted_lists_derive_one_visibility(
    request, support, platform, alice, bob, bob_colleague, carol, lead, dave
):
    personas = _personas(request)
    personas["gone"].teams.add(support)
    tickets = [
        open_ticket(lead, team=support, requester=bob),
        open_ticket(lead, team=platform, requester=carol),
        open_ticket(lead, team=None, requester=bob_colleague),
        open_ticket(lead, team=platform, requester=bob, assignee=dave),
        open_ticket(lead, team=platform, requester=bob, watchers=[bob_colleague]),
    ]
    # Alice holds a Platform ticket though she is not in that team (she left it).
    Ticket.objects.filter(pk=tickets[3].pk).update(assignee=alice)
    groups = {
        "team": Team.objects.all(),
        "organisation": Organisation.objects.all(),
        "requester": User.objects.all(),
        "assignee": User.objects.all(),
    }

    seen: dict[str, set[int]] = {}
    for name, viewer in [*personas.items(), ("system", SLA_ESCALATION)]:
        visible = set(selectors.visible_tickets(viewer).values_list("pk", flat=True))
        seen[name] = {i for i, ticket in enumerate(tickets) if ticket.pk in visible}
        for ticket in tickets:
            try:
                selectors.get_ticket_for(viewer, ticket.pk)
                found = True
            except ServiceError:
                found = False
            assert found == (ticket.pk in visible), (name, ticket.number)
            # The rule for one row (what get_ticket_for applies after reading it).
            row = Ticket.objects.get(pk=ticket.pk)
            assert selectors.may_read(viewer, row) == found, (name, ticket.number)
        if not isinstance(viewer, User):
            continue
        rows = list(Ticket.objects.filter(pk__in=visible).values())
        held = selectors.teams_holding_visible(viewer)
        if held is not None:
            assert {r["team_id"] for r in rows if r["team_id"]} <= held, name
        for relation, everyone in groups.items():
            walked = set(
                selectors.groups_holding_visible(viewer, relation, everyone).values_list(
                    "pk", flat=True
                )
            )
            holding = {r[f"{relation}_id"] for r in rows if r[f"{relation}_id"]}
            assert holding <= walked, (name, relation)
        rule = selectors.visibility(viewer)
        if rule.assignee is not None:
            # The SQL skip scan and the ORM agree on the teams of an agent's tickets.
            by_orm = Ticket.objects.filter(assignee_id=rule.assignee, team__isnull=False)
            assert selectors._teams_assigned_to(rule.assignee) == set(
                by_orm.values_list("team_id", flat=True)
            )

    # The rule as the documentation states it (docs/permissions.md), ticket by ticket.
    assert seen == {
        "admin": {0, 1, 2, 3, 4},
        "lead": {0, 1, 2, 3, 4},
        "alice": {0, 2, 3},
        "dave": {1, 2, 3, 4},
        "viewer": {2},
        "bob": {0, 3, 4},
        "bob_colleague": {2, 4},
        "acme_admin": {0, 2, 3, 4},
        "carol": {1},
        "gone": set(),
        "system": {0, 1, 2, 3, 4},
    }
