from django.db import models


class WindowStatus(models.TextChoices):
    ACTIVE = "active", "Planned"
    CANCELLED = "cancelled", "Cancelled"


class ConflictKind(models.TextChoices):
    OVERLAP = "overlap", "Overlapping window"
    ROLLOUT = "rollout", "Rollout outside any window"
    FREEZE = "freeze", "Inside a freeze"


class AnnouncementKind(models.TextChoices):
    AHEAD = "ahead", "Ahead of time"
    START = "start", "At the start"
    END = "end", "At the end"


class WindowChannel(models.TextChoices):
    STAFF = "staff", "Agent workspace"
    API = "api", "API"
    CLI = "cli", "Command line"
