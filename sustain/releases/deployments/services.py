"""Changing deployments: set a version, remove one. Each change is one transaction that updates
the current row and appends to the history.

Who may: staff whose role may write deployments (``deployments.write``: agents, engineers,
leads, administrators) for any organisation; a customer admin (``deployments.manage_own``)
for their own organisation only; nobody else. ``actor`` None is a caller without a person —
a signed webhook (``webhooks.receive_delivery`` checked its signature and scope) or the
operator at the command line.

The history is the audit trail of deployments: it records who, when, through which channel,
from which version to which, and a note, and it is never changed. The people-and-access audit
log (``accounts.audit``) records the webhook secrets (``webhooks.py``), not each deployment.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from sustain.accounts.models import Organisation, User
from sustain.catalog.models import Product, Version
from sustain.core.errors import PermissionDenied, ValidationFailed
from sustain.core.permissions import Capability
from sustain.releases.deployments.choices import DeploymentChangeKind, DeploymentChannel
from sustain.releases.deployments.models import (
    NOTE_MAX_LENGTH,
    Deployment,
    DeploymentChange,
    DeploymentHook,
)
from sustain.releases.deployments.selectors import check_environment, is_upgrade

# The channels a change without a person may come through.
_UNATTENDED = frozenset({DeploymentChannel.WEBHOOK, DeploymentChannel.CLI})


@dataclass(frozen=True)
class Outcome:
    """What a set or remove left: the current row (None once removed) and the history entry
    written (None when nothing changed: the version was already the one set, or there was
    nothing to remove)."""

    deployment: Deployment | None
    change: DeploymentChange | None

    @property
    def changed(self) -> bool:
        return self.change is not None


# --- who may -------------------------------------------------------------------------------
def may_change_deployments(actor: User, organisation_id: int) -> bool:
    """Whether ``actor`` may set and remove the deployments of this organisation."""
    if not actor.is_active:
        return False
    if actor.can(Capability.DEPLOYMENTS_WRITE):
        return True
    return actor.can(Capability.DEPLOYMENTS_MANAGE_OWN) and actor.organisation_id == organisation_id


def _require_may_change(
    actor: User | None, organisation: Organisation, channel: DeploymentChannel
) -> None:
    if actor is None:
        if channel not in _UNATTENDED:
            raise PermissionDenied("A deployment is changed by a person, a webhook or an operator.")
        return
    if not may_change_deployments(actor, organisation.pk):
        raise PermissionDenied(
            "Only staff, or a customer admin for their own organisation, may change deployments."
        )


def _clean_note(note: str) -> str:
    note = note.strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationFailed.field("note", f"At most {NOTE_MAX_LENGTH} characters.")
    return note


# --- set -----------------------------------------------------------------------------------
def set_deployment(
    *,
    actor: User | None,
    organisation: Organisation,
    version: Version,
    environment: str | None = None,
    product: Product | None = None,
    note: str = "",
    channel: DeploymentChannel,
    hook: DeploymentHook | None = None,
    delivery_id: str = "",
) -> Outcome:
    """``organisation`` runs ``version`` in ``environment`` (the default one if None) from now.

    ``product``, when the caller named one, must be the version's. Setting the version that
    already runs there changes nothing and writes no history.
    """
    _require_may_change(actor, organisation, channel)
    if product is not None and version.product_id != product.pk:
        raise ValidationFailed.field(
            "version", f"Version {version.name} is not a version of {product.name}."
        )
    environment = check_environment(environment)
    note = _clean_note(note)
    with transaction.atomic():
        current = _locked_current(organisation.pk, version.product_id, environment)
        created = False
        if current is None:
            current, created = _create_current(organisation, version, environment)
        if not created and current.version_id == version.pk:
            return Outcome(current, None)
        now = timezone.now()
        previous = None if created else current.version
        if previous is None:
            kind = DeploymentChangeKind.SET
        elif is_upgrade(previous, version):
            kind = DeploymentChangeKind.UPGRADED
        else:
            kind = DeploymentChangeKind.DOWNGRADED
        current.version = version
        current.since = now
        current.changed_by = actor
        current.channel = channel
        current.note = note
        current.save()
        change = DeploymentChange.objects.create(
            organisation=organisation,
            product_id=version.product_id,
            environment=environment,
            kind=kind,
            from_version=previous,
            from_name=previous.name if previous is not None else "",
            to_version=version,
            to_name=version.name,
            actor=actor,
            channel=channel,
            hook=hook,
            delivery_id=delivery_id,
            note=note,
            created_at=now,
        )
    return Outcome(current, change)


def _locked_current(organisation_id: int, product_id: int, environment: str) -> Deployment | None:
    return (
        Deployment.objects.select_for_update(of=("self",))
        .select_related("version")
        .filter(organisation_id=organisation_id, product_id=product_id, environment=environment)
        .first()
    )


def _create_current(
    organisation: Organisation, version: Version, environment: str
) -> tuple[Deployment, bool]:
    """The new current row, and True; if a concurrent caller created it first, theirs (locked)
    and False."""
    try:
        with transaction.atomic():
            row = Deployment.objects.create(
                organisation=organisation,
                product_id=version.product_id,
                environment=environment,
                version=version,
                channel=DeploymentChannel.STAFF,
            )
            return row, True
    except IntegrityError:
        found = _locked_current(organisation.pk, version.product_id, environment)
        assert found is not None
        return found, False


# --- remove --------------------------------------------------------------------------------
def remove_deployment(
    *,
    actor: User | None,
    organisation: Organisation,
    product: Product,
    environment: str | None = None,
    note: str = "",
    channel: DeploymentChannel,
    hook: DeploymentHook | None = None,
    delivery_id: str = "",
) -> Outcome:
    """``organisation`` no longer runs ``product`` in ``environment``. Removing what is not
    there changes nothing."""
    _require_may_change(actor, organisation, channel)
    environment = check_environment(environment)
    note = _clean_note(note)
    with transaction.atomic():
        current = _locked_current(organisation.pk, product.pk, environment)
        if current is None:
            return Outcome(None, None)
        previous = current.version
        current.delete()
        change = DeploymentChange.objects.create(
            organisation=organisation,
            product=product,
            environment=environment,
            kind=DeploymentChangeKind.REMOVED,
            from_version=previous,
            from_name=previous.name,
            actor=actor,
            channel=channel,
            hook=hook,
            delivery_id=delivery_id,
            note=note,
        )
    return Outcome(None, change)
