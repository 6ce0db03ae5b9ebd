"""Who may do what: the one table of roles → capabilities.

Services, pages and templates ask for a capability (``user.can(Capability.SLA_MANAGE)``,
``{% if user|can:"sla.manage" %}``), never for a role, so that what a role may do is read in one
place. Core sits below accounts, so the table is keyed by the role codes that
``accounts.choices.Role`` stores; a test in accounts holds that every role has a row.

What is not here, because it is not a matter of role alone: which tickets of their teams an
agent sees (``tickets/selectors.py``), that a team's lead changes its members, that everybody
changes their own profile and tokens, and the customer's limits inside a ticket they may read.
Staff or customer (``User.is_staff_member`` / ``is_customer``) is the kind of account, not a
capability: it chooses the workspace or the portal.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from sustain.core.errors import PermissionDenied


class Capability(StrEnum):
    TICKETS_READ_ALL = "tickets.read_all"
    """Read every ticket (and every team's queue); others see their teams' or their own."""
    TICKETS_READ_ORGANISATION = "tickets.read_organisation"
    """A customer who reads every ticket of their organisation, not only their own."""
    TICKETS_WRITE = "tickets.write"
    """Change tickets: fields, status, internal notes, links, merges, bulk changes; be assigned."""
    KB_WRITE = "kb.write"
    """Write, review, publish and archive knowledge-base articles and their files."""
    SLA_MANAGE = "sla.manage"
    """Change SLA calendars and policies."""
    CATALOG_MANAGE = "catalog.manage"
    """Change products, components, versions, release lines and their lifecycle; import them."""
    SETTINGS_READ = "settings.read"
    """Open the settings: users, teams, organisations, roles."""
    SAVED_VIEWS_SHARE_ANY_TEAM = "saved_views.share_any_team"
    """Share a saved ticket view with any team, and see every team's shared views."""
    SAVED_VIEWS_MANAGE_ALL = "saved_views.manage_all"
    """Change and delete saved views that others own."""
    PEOPLE_MANAGE = "people.manage"
    """Create and invite users with any role; change anyone's role, organisation, active flag."""
    ORGANISATIONS_MANAGE = "organisations.manage"
    """Create and change organisations."""
    TEAMS_MANAGE = "teams.manage"
    """Create teams; change any team's name, lead, assignment and members."""
    CONTACTS_MANAGE_OWN = "contacts.manage_own"
    """A customer who sees the people of their organisation and adds contacts to it."""
    TOKENS_MANAGE_ALL = "tokens.manage_all"
    """Create API tokens for someone else; see and revoke anyone's."""
    AUDIT_READ = "audit.read"
    """Read the audit log of changes to people and access."""
    MAIL_MANAGE = "mail.manage"
    """Mailboxes, the log of inbound mail and held mail; deliver raw mail through the API."""
    BACKUPS_MANAGE = "backups.manage"
    """See backups and start one; be told when one fails."""
    RELEASE_NOTES_WRITE = "release_notes.write"
    """Write release records and their notes; publish them, which tells the people of the
    fixed tickets."""
    DEPLOYMENTS_WRITE = "deployments.write"
    """Set and remove any organisation's deployments (which version runs where)."""
    DEPLOYMENTS_MANAGE_OWN = "deployments.manage_own"
    """A customer who sets their own organisation's deployments and its deployment webhooks."""
    DEPLOYMENT_HOOKS_MANAGE = "deployment_hooks.manage"
    """Create and revoke deployment webhooks for any organisation, or for all of them."""
    ROLLOUTS_WRITE = "rollouts.write"
    """Plan rollouts of a version to a deployment, start, finish, roll back and cancel them."""
    MAINTENANCE_WRITE = "maintenance.write"
    """Plan, change and cancel maintenance windows and freeze periods; start ad-hoc
    maintenance."""
    CHANGES_APPROVE = "changes.approve"
    """Approve or reject change tickets (a rollout starts only once its change is approved)."""
    CHANGES_APPROVE_OWN = "changes.approve_own"
    """Approve a change one raised oneself (otherwise another approver must: separation of
    duties)."""
    ONCALL_MANAGE = "oncall.manage"
    """Change on-call rotations, overrides and team capacity; record shift swaps for others."""
    PREVENTIVE_MANAGE = "preventive.manage"
    """Create, change, pause and delete preventive-maintenance schedules; skip an occurrence."""


_WORK_TICKETS = frozenset(
    {Capability.TICKETS_WRITE, Capability.KB_WRITE, Capability.DEPLOYMENTS_WRITE}
)
_LEAD = _WORK_TICKETS | {
    Capability.RELEASE_NOTES_WRITE,
    Capability.TICKETS_READ_ALL,
    Capability.CATALOG_MANAGE,
    Capability.SLA_MANAGE,
    Capability.SETTINGS_READ,
    Capability.SAVED_VIEWS_SHARE_ANY_TEAM,
    Capability.ROLLOUTS_WRITE,
    Capability.CHANGES_APPROVE,
    Capability.ONCALL_MANAGE,
    Capability.PREVENTIVE_MANAGE,
    Capability.MAINTENANCE_WRITE,
}

# Role code → what it may do. Spelled out per role rather than derived from a hierarchy: a new
# role (or a new capability) is a decision per row, and the row is what reviewers read.
CAPABILITIES: dict[str, frozenset[Capability]] = {
    "admin": _LEAD
    | {
        Capability.SAVED_VIEWS_MANAGE_ALL,
        Capability.PEOPLE_MANAGE,
        Capability.ORGANISATIONS_MANAGE,
        Capability.TEAMS_MANAGE,
        Capability.TOKENS_MANAGE_ALL,
        Capability.AUDIT_READ,
        Capability.MAIL_MANAGE,
        Capability.BACKUPS_MANAGE,
        Capability.DEPLOYMENT_HOOKS_MANAGE,
        Capability.CHANGES_APPROVE_OWN,
    },
    "lead": _LEAD,
    "agent": _WORK_TICKETS,
    # Maintenance engineers ship the patches: they add versions, keep the lifecycle, and write
    # and publish the release notes, and roll versions out (a lead approves each change).
    "engineer": _WORK_TICKETS
    | {
        Capability.RELEASE_NOTES_WRITE,
        Capability.CATALOG_MANAGE,
        Capability.ROLLOUTS_WRITE,
        Capability.PREVENTIVE_MANAGE,
        Capability.MAINTENANCE_WRITE,
    },
    "viewer": frozenset(),
    "customer": frozenset(),
    "customer_admin": frozenset(
        {
            Capability.TICKETS_READ_ORGANISATION,
            Capability.CONTACTS_MANAGE_OWN,
            Capability.DEPLOYMENTS_MANAGE_OWN,
        }
    ),
}


# What a system actor (SLA escalation, e-mail intake; ``accounts/actors.py``) may do: it works
# tickets with staff rights and nothing else.
SYSTEM_CAPABILITIES: frozenset[Capability] = frozenset(
    {Capability.TICKETS_READ_ALL, Capability.TICKETS_WRITE}
)


def has_capability(role: str, capability: Capability | str) -> bool:
    """Whether ``role`` may do ``capability``; an unknown role may do nothing, an unknown
    capability is a mistake in the caller (``ValueError``)."""
    return Capability(capability) in CAPABILITIES.get(role, frozenset())


def roles_with(capability: Capability) -> frozenset[str]:
    """The role codes that have ``capability``, for queries (``role__in=...``)."""
    return frozenset(role for role, granted in CAPABILITIES.items() if capability in granted)


class Actor(Protocol):
    def can(self, capability: Capability | str) -> bool: ...


def require(actor: Actor, capability: Capability, message: str) -> None:
    """Refuse with ``message`` (a 403 in the API and the pages) unless ``actor`` may."""
    if not actor.can(capability):
        raise PermissionDenied(message)


class CommandLineOperator:
    """The operator at the command line (``sustain …`` management commands): whoever can run
    them can change the database directly, so services called from there may do anything."""

    def __str__(self) -> str:
        return "the command line"

    def can(self, capability: Capability | str) -> bool:
        Capability(capability)  # a misspelt capability is still a mistake
        return True


OPERATOR = CommandLineOperator()
