"""What the release tests share: a product with an old and a new version, and a helper that
marks tickets fixed in a version through the ticket services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sustain.accounts.models import User
from sustain.catalog.models import Product, Version
from sustain.releases import release_services
from sustain.releases.release_models import Release
from sustain.tickets import services
from sustain.tickets.choices import Status
from sustain.tickets.models import Ticket


@pytest.fixture
def new_version(product: Product) -> Version:
    return Version.objects.create(product=product, name="2.2")


@pytest.fixture
def engineer(db: None) -> User:
    from sustain.factories import make_user

    return make_user("erik@sustain.test", role="engineer")


def fix(actor: User, ticket: Ticket, version: Version, *, resolve: bool = True) -> Ticket:
    """Mark ``ticket`` fixed in ``version`` (and resolve it), as an agent would."""
    changes: dict[str, Any] = {"fixed_in_version": version}
    if resolve:
        changes["status"] = Status.RESOLVED
    return services.update_ticket(actor=actor, ref=ticket.pk, changes=changes)


@pytest.fixture
def draft(engineer: User, new_version: Version) -> Callable[..., Release]:
    def make(**fields: Any) -> Release:
        return release_services.create_release(actor=engineer, version=new_version, **fields)

    return make
