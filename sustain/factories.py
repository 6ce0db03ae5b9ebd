"""Factories for tests: each object of a small help desk in one call, with defaults that a test
overrides only where it cares.

People, organisations, teams, products and SLA policies are written straight through their
models, as an administrator's earlier work would have left them: the accounts services would
add audit entries that the audit log's own tests would then have to step around. Tickets,
messages and API tokens go through their services, so they carry everything real ones do
(activity, SLA clocks, outbox rows, a hashed token).

Imported by tests only (every test folder: ``sustain/<app>/tests/``, ``tests/``); like
``urls.py`` it sits above the apps and may import any of them. The persona fixtures of
``sustain/conftest.py`` are built from these.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import count
from typing import Any

from sustain.accounts.choices import Role
from sustain.accounts.models import ApiToken, Organisation, Team, User
from sustain.accounts.tokens import create_token
from sustain.catalog.choices import VersionScheme
from sustain.catalog.models import Component, Product, Version
from sustain.catalog.services import POSITION_GAP
from sustain.catalog.versioning import sort_key
from sustain.sla.models import SlaPolicy, SlaTarget
from sustain.tickets.creation import NewTicket, create_ticket
from sustain.tickets.models import Message, Ticket
from sustain.tickets.services import add_message

PASSWORD = "correct horse battery"  # noqa: S105  # the test personas' password

# Minutes of first response, next response and resolution per priority: the standard policy.
STANDARD_TARGETS: Mapping[int, tuple[int | None, int | None, int | None]] = {
    1: (30, 60, 240),
    2: (60, 120, 480),
    3: (120, 240, 960),
    4: (240, 480, 1920),
}

_serial = count(1)


def make_organisation(
    name: str = "Acme", *, domains: Iterable[str] = (), **fields: Any
) -> Organisation:
    return Organisation.objects.create(name=name, domains=list(domains), **fields)


def make_user(
    email: str | None = None,
    *,
    role: str = Role.AGENT,
    organisation: Organisation | None = None,
    full_name: str | None = None,
    **fields: Any,
) -> User:
    """A user who can sign in with ``PASSWORD``; named after the e-mail's local part unless
    ``full_name`` says otherwise. Without an e-mail address, a new one each call."""
    if email is None:
        email = f"{role}{next(_serial)}@sustain.test"
    if full_name is None:
        full_name = email.split("@")[0].title()
    return User.objects.create_user(
        email, PASSWORD, full_name=full_name, role=role, organisation=organisation, **fields
    )


def make_team(name: str, *, members: Iterable[User] = (), **fields: Any) -> Team:
    team = Team.objects.create(name=name, **fields)
    team.members.add(*members)
    return team


def make_product(
    name: str = "Gizmo",
    *,
    components: Iterable[str] = (),
    versions: Iterable[str] = (),
    scheme: str = VersionScheme.PEP440,
) -> Product:
    """A product whose versions, listed in their order, are keyed as the catalogue's services
    key them (free-form ones positioned in the order given)."""
    product = Product.objects.create(name=name, version_scheme=scheme)
    Component.objects.bulk_create(Component(product=product, name=c) for c in components)
    Version.objects.bulk_create(
        Version(
            product=product,
            name=v,
            position=i * POSITION_GAP,
            sort_key=sort_key(scheme, v, position=i * POSITION_GAP),
        )
        for i, v in enumerate(versions, start=1)
    )
    return product


def make_sla_policy(
    name: str = "Standard",
    *,
    targets: Mapping[int, tuple[int | None, int | None, int | None]] = STANDARD_TARGETS,
    position: int = 10,
    **fields: Any,
) -> SlaPolicy:
    """A policy with ``targets``: priority → (first response, next response, resolution)
    minutes. The policy cache of ``sustain.sla`` is the caller's to clear."""
    policy = SlaPolicy.objects.create(name=name, position=position, **fields)
    SlaTarget.objects.bulk_create(
        SlaTarget(
            policy=policy,
            priority=priority,
            first_response_minutes=first,
            next_response_minutes=following,
            resolution_minutes=resolution,
        )
        for priority, (first, following, resolution) in targets.items()
    )
    return policy


def open_ticket(actor: User, **fields: Any) -> Ticket:
    """A ticket opened by ``actor`` through the real service; ``fields`` are NewTicket's."""
    fields.setdefault("title", "Sync fails after upgrade")
    fields.setdefault("description", "Since 2.1 the nightly sync stops halfway.")
    return create_ticket(actor=actor, data=NewTicket(**fields))


def make_message(ticket: Ticket, author: User, body: str = "Any news?", **options: Any) -> Message:
    """A reply (or with ``internal=True`` a note) by ``author``; ``options`` are add_message's."""
    return add_message(actor=author, ref=ticket.pk, body=body, **options)


def make_token(user: User, *, name: str = "tests") -> tuple[ApiToken, str]:
    """``user``'s own API token: the row and the plain token to send."""
    return create_token(actor=user, user=user, name=name)
