from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Administrator"
    LEAD = "lead", "Team lead"
    AGENT = "agent", "Support agent"
    ENGINEER = "engineer", "Maintenance engineer"
    VIEWER = "viewer", "Viewer"
    CUSTOMER = "customer", "Customer"
    CUSTOMER_ADMIN = "customer_admin", "Customer admin"


STAFF_ROLES = frozenset({Role.ADMIN, Role.LEAD, Role.AGENT, Role.ENGINEER, Role.VIEWER})
CUSTOMER_ROLES = frozenset({Role.CUSTOMER, Role.CUSTOMER_ADMIN})
# What each role may do is not here but in sustain.core.permissions (roles → capabilities).


class AssignmentStrategy(models.TextChoices):
    MANUAL = "manual", "By hand"
    ROUND_ROBIN = "round_robin", "Round-robin"
    FEWEST_OPEN = "fewest_open", "Fewest open tickets"


class AuditAction(models.TextChoices):
    """What an audit entry records; the prefix before the dot names the kind of target."""

    USER_CREATED = "user.created", "User created"
    USER_INVITED = "user.invited", "User invited"
    USER_UPDATED = "user.updated", "User changed"
    USER_DEACTIVATED = "user.deactivated", "User deactivated"
    USER_REACTIVATED = "user.reactivated", "User reactivated"
    CONTACT_ADDED = "contact.added", "Contact added"
    TOKEN_CREATED = "token.created", "API token created"
    TOKEN_REVOKED = "token.revoked", "API token revoked"
    ORGANISATION_CREATED = "organisation.created", "Organisation created"
    ORGANISATION_UPDATED = "organisation.updated", "Organisation changed"
    TEAM_CREATED = "team.created", "Team created"
    TEAM_UPDATED = "team.updated", "Team changed"
    # Registered by sustain.mail: mailboxes hold credentials (passwords, OAuth2 grants).
    MAILBOX_CREATED = "mailbox.created", "Mailbox added"
    MAILBOX_UPDATED = "mailbox.updated", "Mailbox changed"
    MAILBOX_CONNECTED = "mailbox.connected", "Mailbox connected (OAuth2)"
    MAILBOX_GRANT_REFUSED = "mailbox.grant_refused", "Mailbox's OAuth2 grant refused"
    MAILBOX_DELETED = "mailbox.deleted", "Mailbox removed"
    # Registered by sustain.releases: deployment webhooks hold signing secrets.
    DEPLOYMENT_HOOK_CREATED = "deployment_hook.created", "Deployment webhook created"
    DEPLOYMENT_HOOK_REVOKED = "deployment_hook.revoked", "Deployment webhook revoked"
    # Registered by sustain.oncall: a calendar address opens a schedule without signing in.
    CALENDAR_FEED_CREATED = "calendar_feed.created", "Calendar address created"
    CALENDAR_FEED_REVOKED = "calendar_feed.revoked", "Calendar address revoked"
    # Registered by sustain.maintenance: a calendar key opens a feed without signing in.
    CALENDAR_KEY_CREATED = "calendar_key.created", "Calendar key created"
    CALENDAR_KEY_REVOKED = "calendar_key.revoked", "Calendar key revoked"
