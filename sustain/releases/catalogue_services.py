"""Deleting from the catalogue: only what nothing refers to.

The catalogue (``catalog``) sits below tickets and cannot see what refers to its rows; this
app can. A version or component that a ticket, an SLA policy or an article refers to is kept
(409, saying what holds it): deleting it would quietly empty the tickets' field. Products are
renamed, never deleted here.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import ProtectedError, Q

from sustain.catalog.models import Component, Version
from sustain.catalog.services import require_manager
from sustain.core.errors import Conflict
from sustain.core.permissions import Actor
from sustain.tickets.models import Ticket


@transaction.atomic
def delete_version(*, actor: Actor, version: Version) -> None:
    require_manager(actor)
    tickets = Ticket.objects.filter(Q(version=version) | Q(fixed_in_version=version)).count()
    # Through the reverse relation: kb sits beside releases, not below it.
    articles = version.kb_articles.count()
    if tickets or articles:
        raise Conflict(
            f"{version} is kept: {tickets} ticket(s) and {articles} article(s) refer to it."
        )
    try:
        with transaction.atomic():
            version.delete()
    except ProtectedError:
        raise Conflict(f"{version} is kept: organisations run it (see its deployments).") from None


@transaction.atomic
def delete_component(*, actor: Actor, component: Component) -> None:
    require_manager(actor)
    tickets = Ticket.objects.filter(component=component).count()
    if tickets:
        raise Conflict(f"{component} is kept: {tickets} ticket(s) refer to it.")
    component.delete()
