from django.db import models


class RolloutStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    ROLLED_BACK = "rolled_back", "Rolled back"
    CANCELLED = "cancelled", "Cancelled"


# The state machine: where each status may go. Done, rolled back and cancelled are final.
TRANSITIONS: dict[str, frozenset[str]] = {
    RolloutStatus.PLANNED: frozenset({RolloutStatus.IN_PROGRESS, RolloutStatus.CANCELLED}),
    RolloutStatus.IN_PROGRESS: frozenset({RolloutStatus.DONE, RolloutStatus.ROLLED_BACK}),
    RolloutStatus.DONE: frozenset(),
    RolloutStatus.ROLLED_BACK: frozenset(),
    RolloutStatus.CANCELLED: frozenset(),
}
# A rollout that reached one of these went out: they are what the change failure rate counts.
FINISHED = frozenset({RolloutStatus.DONE, RolloutStatus.ROLLED_BACK})
ACTIVE = frozenset({RolloutStatus.PLANNED, RolloutStatus.IN_PROGRESS})


class RolloutChannel(models.TextChoices):
    STAFF = "staff", "Agent workspace"
    API = "api", "API"
    CLI = "cli", "Command line"
