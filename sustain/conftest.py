"""Fixtures shared by every app's tests: the people of a small help desk.

alice (agent, Support team) and bob (customer at Acme) work together; carol (customer at
Globex) is the outsider who must never see Acme's tickets.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from sustain.accounts.choices import Role
from sustain.accounts.models import Organisation, Team, User
from sustain.accounts.tokens import create_token
from sustain.catalog.models import Component, Product, Version
from sustain.tickets.models import Ticket
from sustain.tickets.services import NewTicket, create_ticket


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``postgres`` need what SQLite cannot do (concurrent writers); on a SQLite
    run they are deselected, not skipped, and `make test` runs them on PostgreSQL. Tests marked
    ``embedded`` start the embedded default (SQLite) themselves, so they run in the SQLite pass
    and are deselected from the PostgreSQL one."""
    from django.db import connection

    other = "embedded" if connection.vendor == "postgresql" else "postgres"
    deselected = [item for item in items if item.get_closest_marker(other)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker(other)]


@pytest.fixture
def acme(db: None) -> Organisation:
    return Organisation.objects.create(name="Acme", domains=["acme.test"])


@pytest.fixture
def globex(db: None) -> Organisation:
    return Organisation.objects.create(name="Globex", domains=["globex.test"])


def _user(email: str, role: str, organisation: Organisation | None = None, **extra: Any) -> User:
    return User.objects.create_user(
        email,
        "correct horse battery",
        full_name=email.split("@")[0].title(),
        role=role,
        organisation=organisation,
        **extra,
    )


@pytest.fixture
def admin(db: None) -> User:
    return _user("admin@sustain.test", Role.ADMIN)


@pytest.fixture
def lead(db: None) -> User:
    return _user("lead@sustain.test", Role.LEAD)


@pytest.fixture
def alice(db: None) -> User:
    return _user("alice@sustain.test", Role.AGENT)


@pytest.fixture
def dave(db: None) -> User:
    """An agent of another team."""
    return _user("dave@sustain.test", Role.AGENT)


@pytest.fixture
def viewer(db: None) -> User:
    return _user("viewer@sustain.test", Role.VIEWER)


@pytest.fixture
def bob(acme: Organisation) -> User:
    return _user("bob@acme.test", Role.CUSTOMER, acme)


@pytest.fixture
def bob_colleague(acme: Organisation) -> User:
    return _user("erin@acme.test", Role.CUSTOMER, acme)


@pytest.fixture
def acme_admin(acme: Organisation) -> User:
    return _user("boss@acme.test", Role.CUSTOMER_ADMIN, acme)


@pytest.fixture
def carol(globex: Organisation) -> User:
    return _user("carol@globex.test", Role.CUSTOMER, globex)


@pytest.fixture
def support(alice: User) -> Team:
    team = Team.objects.create(name="Support")
    team.members.add(alice)
    return team


@pytest.fixture
def platform(dave: User) -> Team:
    team = Team.objects.create(name="Platform")
    team.members.add(dave)
    return team


@pytest.fixture
def product(db: None) -> Product:
    product = Product.objects.create(name="Gizmo")
    Component.objects.create(product=product, name="Sync")
    Version.objects.create(product=product, name="2.1")
    return product


@pytest.fixture
def make_ticket(support: Team) -> Callable[..., Ticket]:
    """Open a ticket through the real service; by default bob's, in the Support team."""

    def make(actor: User, **fields: Any) -> Ticket:
        fields.setdefault("title", "Sync fails after upgrade")
        fields.setdefault("description", "Since 2.1 the nightly sync stops halfway.")
        if not actor.is_customer:
            fields.setdefault("team", support)
        return create_ticket(actor=actor, data=NewTicket(**fields))

    return make


@pytest.fixture
def bobs_ticket(
    make_ticket: Callable[..., Ticket], bob: User, alice: User, support: Team
) -> Ticket:
    ticket = make_ticket(bob)
    ticket.team = support
    ticket.save(update_fields=["team"])
    return ticket


@pytest.fixture
def api_client() -> Callable[[User | None], Client]:
    """A test client that sends a real bearer token for the given user."""

    def make(user: User | None) -> Client:
        if user is None:
            return Client()
        _, raw = create_token(actor=user, user=user, name="tests")
        return Client(headers={"Authorization": f"Bearer {raw}"})

    return make
