"""Fixtures shared by every app's tests: the people of a small help desk, made with the
factories of ``sustain/factories.py`` (``tests/conftest.py`` passes them on to ``tests/``).

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
from sustain.catalog.models import Product
from sustain.factories import (
    make_organisation,
    make_product,
    make_team,
    make_token,
    make_user,
    open_ticket,
)
from sustain.tickets.models import Ticket


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
    return make_organisation("Acme", domains=["acme.test"])


@pytest.fixture
def globex(db: None) -> Organisation:
    return make_organisation("Globex", domains=["globex.test"])


@pytest.fixture
def admin(db: None) -> User:
    return make_user("admin@sustain.test", role=Role.ADMIN)


@pytest.fixture
def lead(db: None) -> User:
    return make_user("lead@sustain.test", role=Role.LEAD)


@pytest.fixture
def alice(db: None) -> User:
    return make_user("alice@sustain.test", role=Role.AGENT)


@pytest.fixture
def dave(db: None) -> User:
    """An agent of another team."""
    return make_user("dave@sustain.test", role=Role.AGENT)


@pytest.fixture
def viewer(db: None) -> User:
    return make_user("viewer@sustain.test", role=Role.VIEWER)


@pytest.fixture
def bob(acme: Organisation) -> User:
    return make_user("bob@acme.test", role=Role.CUSTOMER, organisation=acme)


@pytest.fixture
def bob_colleague(acme: Organisation) -> User:
    return make_user("erin@acme.test", role=Role.CUSTOMER, organisation=acme)


@pytest.fixture
def acme_admin(acme: Organisation) -> User:
    return make_user("boss@acme.test", role=Role.CUSTOMER_ADMIN, organisation=acme)


@pytest.fixture
def carol(globex: Organisation) -> User:
    return make_user("carol@globex.test", role=Role.CUSTOMER, organisation=globex)


@pytest.fixture
def support(alice: User) -> Team:
    return make_team("Support", members=[alice])


@pytest.fixture
def platform(dave: User) -> Team:
    return make_team("Platform", members=[dave])


@pytest.fixture
def product(db: None) -> Product:
    return make_product("Gizmo", components=["Sync"], versions=["2.1"])


@pytest.fixture
def make_ticket(support: Team) -> Callable[..., Ticket]:
    """Open a ticket through the real service; by default bob's, in the Support team."""

    def make(actor: User, **fields: Any) -> Ticket:
        if not actor.is_customer:
            fields.setdefault("team", support)
        return open_ticket(actor, **fields)

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
        _, raw = make_token(user)
        return Client(headers={"Authorization": f"Bearer {raw}"})

    return make
