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
from sustain.releases.line_models import ReleaseLine
from sustain.releases.policy.models import Deprecation, EolNotice, UpdatePolicy
from sustain.releases.release_models import FixNotice, Release, ReleaseFix

__all__ = [
    "Deployment",
    "DeploymentChange",
    "DeploymentHook",
    "Deprecation",
    "EolNotice",
    "FixNotice",
    "HookDelivery",
    "Release",
    "ReleaseFix",
    "ReleaseLine",
    "UpdatePolicy",
]
