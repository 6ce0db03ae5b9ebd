from django.db import models


class Kind(models.TextChoices):
    INCIDENT = "incident", "Incident"
    PROBLEM = "problem", "Problem"
    BUG = "bug", "Bug"
    SERVICE_REQUEST = "service_request", "Service request"
    FEATURE_REQUEST = "feature_request", "Feature request"
    CHANGE = "change", "Change"
    MAINTENANCE_TASK = "maintenance_task", "Maintenance task"
    VULNERABILITY = "vulnerability", "Vulnerability"
    TECHNICAL_DEBT = "technical_debt", "Technical debt"


class MaintenanceType(models.TextChoices):
    CORRECTIVE = "corrective", "Corrective"
    ADAPTIVE = "adaptive", "Adaptive"
    PERFECTIVE = "perfective", "Perfective"
    PREVENTIVE = "preventive", "Preventive"


class Level(models.TextChoices):
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


class Priority(models.IntegerChoices):
    P1 = 1, "P1 – critical"
    P2 = 2, "P2 – high"
    P3 = 3, "P3 – moderate"
    P4 = 4, "P4 – low"


class Status(models.TextChoices):
    NEW = "new", "New"
    OPEN = "open", "Open"
    PENDING_CUSTOMER = "pending_customer", "Pending customer"
    PENDING_THIRD_PARTY = "pending_third_party", "Pending third party"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


class Channel(models.TextChoices):
    WEB = "web", "Web"
    EMAIL = "email", "E-mail"
    CHAT = "chat", "Chat"
    PHONE = "phone", "Phone"
    API = "api", "API"
    SYSTEM = "system", "System"


class LinkKind(models.TextChoices):
    DUPLICATE_OF = "duplicate_of", "is a duplicate of"
    CAUSED_BY = "caused_by", "is caused by"
    BLOCKS = "blocks", "blocks"
    RELATED = "related", "is related to"
    PARENT_OF = "parent_of", "is the parent of"


# How a link reads from the other end.
LINK_INVERSE_LABELS = {
    LinkKind.DUPLICATE_OF: "is duplicated by",
    LinkKind.CAUSED_BY: "causes",
    LinkKind.BLOCKS: "is blocked by",
    LinkKind.RELATED: "is related to",
    LinkKind.PARENT_OF: "is a child of",
}

OPEN_STATUSES = frozenset(
    {Status.NEW, Status.OPEN, Status.PENDING_CUSTOMER, Status.PENDING_THIRD_PARTY}
)
# A finished ticket may be reopened within the reopen period (rules.reopen_window).
FINISHED_STATUSES = frozenset({Status.RESOLVED, Status.CLOSED})


class ApprovalDecision(models.TextChoices):
    """A decision on a change ticket (``tickets.approvals``)."""

    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
