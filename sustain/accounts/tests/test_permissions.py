"""Who may do what: every role of accounts against the capability table of core.

The expected matrix is written out here, so that any change to what a role may do shows up
as a change to this table in review. docs/permissions.md describes the same table.
"""

from __future__ import annotations

from sustain.accounts.choices import Role
from sustain.accounts.models import User
from sustain.core.permissions import CAPABILITIES, Capability, has_capability

ROLES = ["admin", "lead", "agent", "engineer", "viewer", "customer", "customer_admin"]

EXPECTED = """
capability                  admin lead agent engineer viewer customer customer_admin
tickets.read_all              x    x     .      .       .       .           .
tickets.read_organisation     .    .     .      .       .       .           x
tickets.write                 x    x     x      x       .       .           .
kb.write                      x    x     x      x       .       .           .
sla.manage                    x    x     .      .       .       .           .
catalog.manage                x    x     .      x       .       .           .
settings.read                 x    x     .      .       .       .           .
saved_views.share_any_team    x    x     .      .       .       .           .
saved_views.manage_all        x    .     .      .       .       .           .
people.manage                 x    .     .      .       .       .           .
organisations.manage          x    .     .      .       .       .           .
teams.manage                  x    .     .      .       .       .           .
contacts.manage_own           .    .     .      .       .       .           x
tokens.manage_all             x    .     .      .       .       .           .
audit.read                    x    .     .      .       .       .           .
mail.manage                   x    .     .      .       .       .           .
backups.manage                x    .     .      .       .       .           .
release_notes.write           x    x     .      x       .       .           .
deployments.write             x    x     x      x       .       .           .
deployments.manage_own        .    .     .      .       .       .           x
deployment_hooks.manage       x    .     .      .       .       .           .
rollouts.write                x    x     .      x       .       .           .
maintenance.write             x    x     .      x       .       .           .
changes.approve               x    x     .      .       .       .           .
changes.approve_own           x    .     .      .       .       .           .
oncall.manage                 x    x     .      .       .       .           .
preventive.manage             x    x     .      x       .       .           .
"""


def matrix() -> str:
    """The table as the code has it, in the layout of EXPECTED."""
    width = max(len(c) for c in Capability) + 2
    lines = ["capability".ljust(width) + " ".join(ROLES)]
    for capability in Capability:
        cells = [
            ("x" if has_capability(role, capability) else ".").center(len(role)) for role in ROLES
        ]
        lines.append(capability.value.ljust(width) + " ".join(cells))
    return "\n".join(line.rstrip() for line in lines)


def test_every_role_has_a_row_and_every_row_a_role():
    assert sorted(CAPABILITIES) == sorted(Role.values) == sorted(ROLES)


def test_the_role_capability_matrix_is_the_expected_one():
    table = matrix()
    print(f"\n{table}")
    assert table == "\n".join(line.rstrip() for line in EXPECTED.strip("\n").splitlines())


def test_a_user_can_what_their_role_can(lead, viewer):
    assert lead.can(Capability.SLA_MANAGE)
    assert lead.can("tickets.read_all")
    assert not lead.can(Capability.PEOPLE_MANAGE)
    assert not viewer.can(Capability.TICKETS_WRITE)
    assert User(role=Role.CUSTOMER_ADMIN).can(Capability.CONTACTS_MANAGE_OWN)


def test_a_system_actor_works_tickets_and_nothing_else():
    from sustain.accounts.actors import SYSTEM_ACTORS
    from sustain.core.permissions import Capability

    for actor in SYSTEM_ACTORS.values():
        granted = {capability for capability in Capability if actor.can(capability)}
        assert granted == {Capability.TICKETS_READ_ALL, Capability.TICKETS_WRITE}, actor
