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
# Roles that see every ticket; the others see what their teams hold.
ALL_TICKETS_ROLES = frozenset({Role.ADMIN, Role.LEAD})
# Staff roles that may change tickets (viewers only read).
TICKET_WRITER_ROLES = frozenset({Role.ADMIN, Role.LEAD, Role.AGENT, Role.ENGINEER})


class AssignmentStrategy(models.TextChoices):
    MANUAL = "manual", "By hand"
    ROUND_ROBIN = "round_robin", "Round-robin"
    FEWEST_OPEN = "fewest_open", "Fewest open tickets"
