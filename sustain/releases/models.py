"""Releases, lifecycles and deployments (the releases issue builds them here).

The catalogue these build on — products, components, versions — lives in ``sustain.catalog``,
below tickets; the models that were here moved there without touching their rows
(``releases.0003``, ``catalog.0001``). Each part of this app keeps its models in a module of
its own, imported here so that Django finds them.
"""

from sustain.releases.deployments.models import (
    Deployment,
    DeploymentChange,
    DeploymentHook,
    HookDelivery,
)
from sustain.releases.line_models import LineVersion, ReleaseLine
from sustain.releases.policy.models import Deprecation, EolNotice, UpdatePolicy
from sustain.releases.release_models import FixNotice, Release, ReleaseFix
from sustain.releases.rollouts.models import Rollout, RolloutEvent
from sustain.releases.upgrades.models import UpgradeEdge

__all__ = [
    "Deployment",
    "DeploymentChange",
    "DeploymentHook",
    "Deprecation",
    "EolNotice",
    "FixNotice",
    "HookDelivery",
    "LineVersion",
    "Release",
    "ReleaseFix",
    "ReleaseLine",
    "Rollout",
    "RolloutEvent",
    "UpdatePolicy",
    "UpgradeEdge",
]
