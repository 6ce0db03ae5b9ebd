from django.db import models


class Handover(models.TextChoices):
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"
    # Every N days (nominal days: the local handover time holds across DST) or every N hours
    # (elapsed time).
    EVERY_DAYS = "every_days", "Every N days"
    EVERY_HOURS = "every_hours", "Every N hours"


class Restriction(models.TextChoices):
    ALWAYS = "always", "Around the clock"
    BUSINESS_HOURS = "business_hours", "Weekdays 09:00–17:00"
    CUSTOM = "custom", "Custom weekly intervals"


class SwapStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    CANCELLED = "cancelled", "Cancelled"


class NoticeRole(models.TextChoices):
    INCOMING = "incoming", "Incoming"
    OUTGOING = "outgoing", "Outgoing"
