from django.db import models


class DeploymentChannel(models.TextChoices):
    """Through which door a deployment was changed."""

    STAFF = "staff", "Agent workspace"
    PORTAL = "portal", "Customer portal"
    API = "api", "API"
    WEBHOOK = "webhook", "Deployment webhook"
    CLI = "cli", "Command line"
    ROLLOUT = "rollout", "Rollout"


class DeploymentChangeKind(models.TextChoices):
    """What one entry of a deployment's history did; up or down by the product's version order
    (``selectors.ordered_versions``)."""

    SET = "set", "Set"
    UPGRADED = "upgraded", "Upgraded"
    DOWNGRADED = "downgraded", "Downgraded"
    REMOVED = "removed", "Removed"
