"""Who acts when no person does: the system actors that call services.

SLA escalation reassigns a ticket, e-mail intake links tickets and adds the people in Cc, and
the apps still to come (monitoring, automation) will open and change tickets too. They call the
same services people do, as one of these, and the activity log records the actor's code, so a
ticket's history says "SLA escalation" rather than nobody.

A system actor works with staff rights, but it is never a customer, never a ticket's requester,
never the author of a message, and never receives mail. It lives in ``accounts``, beside the
users it stands in for, so that every app above can name one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sustain.core.permissions import SYSTEM_CAPABILITIES, Capability

if TYPE_CHECKING:
    from sustain.accounts.models import User


@dataclass(frozen=True)
class SystemActor:
    """A part of Sustain acting on its own: ``code`` is stored, ``label`` is shown."""

    code: str
    label: str

    def __str__(self) -> str:
        return self.label

    def can(self, capability: Capability | str) -> bool:
        """What the system may do is one row of the permissions table, like a role's."""
        return Capability(capability) in SYSTEM_CAPABILITIES


SLA_ESCALATION = SystemActor("sla_escalation", "SLA escalation")
EMAIL = SystemActor("email", "E-mail")
PREVENTIVE = SystemActor("preventive", "Preventive maintenance")

# Every system actor, by code. A new app that acts on its own adds its actor here, so that
# its entries in the log read by name (codes are at most 30 characters, the log's column).
SYSTEM_ACTORS: dict[str, SystemActor] = {
    actor.code: actor for actor in (SLA_ESCALATION, EMAIL, PREVENTIVE)
}

# Whoever calls a service that the system may call too.
type Actor = User | SystemActor


def system_actor_label(code: str) -> str:
    """How a logged system actor reads; a code no longer listed reads as itself."""
    actor = SYSTEM_ACTORS.get(code)
    return actor.label if actor is not None else code
