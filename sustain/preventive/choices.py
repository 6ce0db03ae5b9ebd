from django.db import models


class Mode(models.TextChoices):
    CALENDAR = "calendar", "Fixed calendar (recurrence rule)"
    AFTER_COMPLETION = "after_completion", "N days after the last completion"


class Outcome(models.TextChoices):
    """What became of one occurrence of a schedule (its history)."""

    OPEN = "open", "Open"
    ON_TIME = "on_time", "Done on time"
    LATE = "late", "Done late"
    SKIPPED = "skipped", "Skipped"


DONE_OUTCOMES = frozenset({Outcome.ON_TIME, Outcome.LATE})
