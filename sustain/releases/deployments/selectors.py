"""Reading deployments: the environments, the version order, what a viewer may see.

Who sees which deployments is the rule of organisations (``accounts.services.
visible_organisations``): staff see every organisation's, a customer their own
organisation's. Every list here starts from it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet

from sustain.accounts.models import Organisation, User
from sustain.accounts.services import visible_organisations
from sustain.catalog.models import Product, Version
from sustain.catalog.selectors import ordered_versions as catalogue_order
from sustain.core.errors import NotFound, ValidationFailed
from sustain.core.permissions import Capability
from sustain.releases.deployments.models import (
    ENVIRONMENT_MAX_LENGTH,
    Deployment,
    DeploymentChange,
    DeploymentHook,
)

_ENVIRONMENT = re.compile(rf"[a-z0-9][a-z0-9_-]{{0,{ENVIRONMENT_MAX_LENGTH - 1}}}\Z")


# --- environments -------------------------------------------------------------------------
def environments() -> list[str]:
    """The environments a deployment may name (``SUSTAIN_DEPLOYMENT_ENVIRONMENTS``), the
    default first. A bad list stops the start (``ReleasesConfig.ready``)."""
    declared: list[str] = list(settings.SUSTAIN_DEPLOYMENT_ENVIRONMENTS)
    if not declared:
        raise ImproperlyConfigured("SUSTAIN_DEPLOYMENT_ENVIRONMENTS names no environment.")
    bad = [name for name in declared if not _ENVIRONMENT.match(name)]
    if bad:
        raise ImproperlyConfigured(
            f"SUSTAIN_DEPLOYMENT_ENVIRONMENTS: {', '.join(bad)} — use lower-case letters, "
            f"digits, '-' and '_', at most {ENVIRONMENT_MAX_LENGTH} characters."
        )
    if len(set(declared)) != len(declared):
        raise ImproperlyConfigured("SUSTAIN_DEPLOYMENT_ENVIRONMENTS names one twice.")
    return declared


def default_environment() -> str:
    return environments()[0]


def check_environment(name: str | None, field: str = "environment") -> str:
    """``name`` if it is a declared environment (the default for None or empty)."""
    if not name:
        return default_environment()
    known = environments()
    if name not in known:
        raise ValidationFailed.field(field, f"'{name}' is not one of {', '.join(known)}.")
    return name


# --- the order of versions ----------------------------------------------------------------
def _version_sort_key(version: Version) -> tuple[str, int]:
    # The catalogue's order (sustain.catalog.selectors.version_order): the scheme's key, then
    # the order of creation for versions the scheme counts equal.
    return (version.sort_key, version.pk)


def ordered_versions(product: Product | int) -> list[Version]:
    """The versions of ``product``, oldest first: THE order of versions for deployments (the
    matrix's columns, whether a change is an upgrade or a downgrade), the product's scheme's
    (semantic versions, PEP 440, …)."""
    return list(catalogue_order(product))


def is_upgrade(old: Version, new: Version) -> bool:
    """Whether moving from ``old`` to ``new`` (both of one product) goes up the order."""
    return _version_sort_key(new) > _version_sort_key(old)


# --- support phases (a hook for the lifecycle) --------------------------------------------
@dataclass(frozen=True)
class Phase:
    """A support phase the matrix and the lists may be narrowed to ("maintained", "end of
    life"): which of the given versions (of one product or several) are in it on a day, in
    their order. Registered by the lifecycle part of releases (``releases/support_phases.py``)."""

    name: str
    label: str
    versions: Callable[[Sequence[Version], date], Sequence[Version]]


PHASES: dict[str, Phase] = {}


def register_phase(phase: Phase) -> None:
    PHASES[phase.name] = phase


def check_phase(name: str | None, field: str = "phase") -> str:
    """``name`` if it is a registered phase ("" for None or empty: any phase)."""
    if not name:
        return ""
    if name not in PHASES:
        known = ", ".join(PHASES) or "none is registered"
        raise ValidationFailed.field(field, f"'{name}' is not a support phase ({known}).")
    return name


def in_phase(rows: QuerySet[Deployment], phase: str, today: date) -> QuerySet[Deployment]:
    """The deployments of ``rows`` whose version is in the registered ``phase`` on ``today``:
    the versions those rows run are read once (whatever the number of rows), the phase keeps
    some of them."""
    deployed = list(
        Version.objects.filter(pk__in=rows.values("version_id"))
        .order_by()
        .only("id", "name", "product_id")
    )
    kept = PHASES[phase].versions(deployed, today)
    return rows.filter(version_id__in=[v.pk for v in kept])


# --- what a viewer sees -------------------------------------------------------------------
def visible_deployments(viewer: User) -> QuerySet[Deployment]:
    return Deployment.objects.filter(organisation__in=visible_organisations(viewer))


def visible_changes(viewer: User) -> QuerySet[DeploymentChange]:
    return DeploymentChange.objects.filter(organisation__in=visible_organisations(viewer))


def get_deployment_for(viewer: User, deployment_id: int) -> Deployment:
    found = (
        visible_deployments(viewer)
        .select_related("organisation", "product", "version", "changed_by")
        .filter(pk=deployment_id)
        .first()
    )
    if found is None:
        raise NotFound(f"No deployment with id {deployment_id}.")
    return found


def deployments_of(viewer: User, organisation: Organisation) -> list[Deployment]:
    """An organisation's current deployments, by product and environment (declared order)."""
    rows = list(
        visible_deployments(viewer)
        .filter(organisation=organisation)
        .select_related("product", "version", "changed_by")
    )
    rank = {name: index for index, name in enumerate(environments())}
    return sorted(rows, key=lambda d: (d.product.name, rank.get(d.environment, len(rank))))


def history_of(viewer: User, organisation: Organisation) -> QuerySet[DeploymentChange]:
    """An organisation's changes, newest first (paginate on ``-created_at``)."""
    return (
        visible_changes(viewer)
        .filter(organisation=organisation)
        .select_related("product", "actor", "hook")
    )


def visible_hooks(viewer: User) -> QuerySet[DeploymentHook]:
    """The webhooks ``viewer`` may see and revoke: all for those who manage hooks, their own
    organisation's for a customer admin, none for anyone else."""
    hooks = DeploymentHook.objects.select_related("organisation", "product", "created_by")
    if viewer.can(Capability.DEPLOYMENT_HOOKS_MANAGE):
        return hooks
    if viewer.can(Capability.DEPLOYMENTS_MANAGE_OWN) and viewer.organisation_id is not None:
        return hooks.filter(organisation_id=viewer.organisation_id)
    return hooks.none()
