from django.db import models


class Target(models.TextChoices):
    FIRST_RESPONSE = "first_response", "First response"
    NEXT_RESPONSE = "next_response", "Next response"
    RESOLUTION = "resolution", "Resolution"


class ClockState(models.TextChoices):
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"
    MET = "met", "Met"
    # Past its due time: still running, or completed late.
    BREACHED = "breached", "Breached"
    # The ticket ended without the clock's event (closed before anyone answered).
    CANCELLED = "cancelled", "Cancelled"


class Threshold(models.TextChoices):
    WARNING = "warning", "Warning"
    BREACH = "breach", "Breach"


class EscalationAction(models.TextChoices):
    NOTIFY_USER = "notify_user", "Notify a person"
    NOTIFY_TEAM_LEAD = "notify_team_lead", "Notify the team lead"
    REASSIGN = "reassign", "Reassign to a person"
    RAISE_PRIORITY = "raise_priority", "Raise the priority by one"
    # The person on call for the ticket's team at the escalation (accounts/on_call.py).
    NOTIFY_ON_CALL = "notify_on_call", "Notify the team's on-call person"
    ASSIGN_ON_CALL = "assign_on_call", "Assign to the team's on-call person"
