"""Deployment webhooks: a CI/CD pipeline reports "Acme runs 4.2.1 in production" with a signed
POST, and the deployment changes through the channel "webhook".

Signatures are those of Standard Webhooks (the ``standardwebhooks`` package, its reference
implementation): the sender signs ``<webhook-id>.<webhook-timestamp>.<body>`` with HMAC-SHA256
and the hook's secret (``whsec_…``) and sends the three headers ``webhook-id``,
``webhook-timestamp`` and ``webhook-signature``. A signature is refused when it does not match,
when a header is missing, or when the timestamp is more than five minutes away from now (the
replay window). Inside the window a delivery is acted on once per ``webhook-id``: sent again it
is answered as the first time and changes nothing (``HookDelivery``).

The secret must be known to check a signature, so it is stored encrypted (Fernet, with a key
derived from ``SECRET_KEY``, as mailbox passwords are), shown once when the hook is created.

A version the catalogue does not have is refused (422) — a typo in a pipeline must not invent
versions that then show up in every report — unless ``SUSTAIN_DEPLOYMENT_WEBHOOK_CREATES_
VERSIONS`` is set, for teams whose pipeline is where versions are born.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticError
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from sustain.accounts import audit
from sustain.accounts.choices import AuditAction
from sustain.accounts.models import Organisation, User
from sustain.catalog.models import Product, Version
from sustain.catalog.services import VersionData, create_versions
from sustain.core.errors import NotFound, PermissionDenied, ServiceError, ValidationFailed
from sustain.core.permissions import OPERATOR, Capability
from sustain.core.schemas import refuse_nul
from sustain.releases.deployments import services
from sustain.releases.deployments.choices import DeploymentChannel
from sustain.releases.deployments.models import (
    NOTE_MAX_LENGTH,
    DeploymentHook,
    HookDelivery,
)
from sustain.releases.deployments.selectors import visible_hooks

SECRET_PREFIX = "whsec_"  # noqa: S105 - Standard Webhooks' marker, not a secret
# A report is a few hundred bytes; anything near this is not one.
MAX_BODY_BYTES = 64 * 1024
# Far beyond the five minutes after which a signature is stale: a repeat is always recognised.
RETENTION = timedelta(days=7)
DELIVERY_ID_MAX_LENGTH = 200


class SignatureRefused(ServiceError):
    """The delivery is not signed by the hook's secret (or too long ago). 403, not 401: there
    is no authentication scheme to challenge the caller with (RFC 9110 asks a 401 for one)."""

    status = 403
    title = "Signature refused"


# --- the secret ----------------------------------------------------------------------------
def _fernet() -> Fernet:
    key = hashlib.sha256(b"sustain-deployment-hook-secrets:" + settings.SECRET_KEY.encode())
    return Fernet(base64.urlsafe_b64encode(key.digest()))


def _seal(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def _unseal(sealed: str) -> str:
    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except InvalidToken:
        raise SignatureRefused(
            "This webhook's secret cannot be decrypted (SECRET_KEY changed since it was made): "
            "create a new webhook."
        ) from None


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


# --- creating and revoking -----------------------------------------------------------------
def create_hook(
    *,
    actor: User | None,
    name: str,
    organisation: Organisation | None = None,
    product: Product | None = None,
) -> tuple[DeploymentHook, str]:
    """A new hook and its secret (its only appearance). Those who manage hooks make them for
    any organisation or for all (``organisation`` None); a customer admin for their own
    organisation only (None means theirs). ``actor`` None: the operator at the command line."""
    if actor is not None and not actor.can(Capability.DEPLOYMENT_HOOKS_MANAGE):
        if not actor.can(Capability.DEPLOYMENTS_MANAGE_OWN) or actor.organisation is None:
            raise PermissionDenied("Your role may not create deployment webhooks.")
        if organisation is None:
            organisation = actor.organisation
        elif organisation.pk != actor.organisation_id:
            raise PermissionDenied("A customer admin creates webhooks for their own organisation.")
    name = name.strip()
    if not name:
        raise ValidationFailed.field("name", "A webhook needs a name.")
    if len(name) > 100:
        raise ValidationFailed.field("name", "At most 100 characters.")
    secret = new_secret()
    with transaction.atomic():
        hook = DeploymentHook.objects.create(
            name=name,
            organisation=organisation,
            product=product,
            sealed_secret=_seal(secret),
            prefix=secret[: len(SECRET_PREFIX) + 4],
            created_by=actor,
        )
        changes = audit.created(hook, ["name", "organisation"])
        changes["product"] = [None, product.name if product else None]
        audit.record(actor, AuditAction.DEPLOYMENT_HOOK_CREATED, hook, changes)
    return hook, secret


def may_manage_hooks(actor: User, organisation_id: int) -> bool:
    """Whether ``actor`` may create and revoke this organisation's webhooks."""
    if actor.can(Capability.DEPLOYMENT_HOOKS_MANAGE):
        return True
    return actor.can(Capability.DEPLOYMENTS_MANAGE_OWN) and actor.organisation_id == organisation_id


def get_hook_for(viewer: User, hook_id: int) -> DeploymentHook:
    hook = visible_hooks(viewer).filter(pk=hook_id).first()
    if hook is None:
        raise NotFound(f"No deployment webhook with id {hook_id}.")
    return hook


def revoke_hook(*, actor: User, hook_id: int) -> DeploymentHook:
    with transaction.atomic():
        hook = get_hook_for(actor, hook_id)
        if hook.revoked_at is None:
            hook.revoked_at = timezone.now()
            hook.save(update_fields=["revoked_at"])
            audit.record(actor, AuditAction.DEPLOYMENT_HOOK_REVOKED, hook, {})
    return hook


# --- receiving -----------------------------------------------------------------------------
class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    organisation: str | None = Field(None, min_length=1, max_length=200)
    product: str | None = Field(None, min_length=1, max_length=200)
    version: str | None = Field(None, min_length=1, max_length=100)
    environment: str | None = Field(None, max_length=40)
    note: str = Field("", max_length=NOTE_MAX_LENGTH)


class Report(BaseModel):
    """The body of a delivery, in Standard Webhooks' shape (``type``, ``timestamp``,
    ``data``)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    type: Literal["deployment.set", "deployment.removed"]
    timestamp: str | None = None
    data: _Data


@dataclass(frozen=True)
class Delivery:
    """What a delivery did: its record, and whether it was a repeat of one acted on before."""

    record: HookDelivery
    duplicate: bool


def receive_delivery(*, hook_id: int, body: bytes, headers: Mapping[str, str]) -> Delivery:
    """Check the signature of a delivery to hook ``hook_id`` and act on it once."""
    hook = DeploymentHook.objects.filter(pk=hook_id, revoked_at__isnull=True).first()
    if hook is None:
        raise NotFound(f"No active deployment webhook with id {hook_id}.")
    try:
        Webhook(_unseal(hook.sealed_secret)).verify(body, dict(headers), json_parse=False)
    except WebhookVerificationError as exc:
        raise SignatureRefused(f"The signature does not verify: {exc}.") from None
    delivery_id = headers["webhook-id"]
    if len(delivery_id) > DELIVERY_ID_MAX_LENGTH:
        # Not cut short: two long ids with one beginning would pass for repeats of each other.
        raise ValidationFailed.field("webhook-id", f"At most {DELIVERY_ID_MAX_LENGTH} characters.")
    with transaction.atomic():
        # One delivery of a hook at a time: a repeat sent at once waits, then finds the first.
        hook = DeploymentHook.objects.select_for_update().get(pk=hook.pk)
        seen = HookDelivery.objects.filter(hook=hook, delivery_id=delivery_id).first()
        if seen is not None:
            return Delivery(seen, duplicate=True)
        report = _parse(body)
        outcome = _act(hook, report, delivery_id)
        now = timezone.now()
        record = HookDelivery.objects.create(
            hook=hook,
            delivery_id=delivery_id,
            received_at=now,
            change=outcome.change,
            outcome={
                "type": report.type,
                "changed": outcome.changed,
                "deployment_id": outcome.deployment.pk if outcome.deployment else None,
            },
        )
        DeploymentHook.objects.filter(pk=hook.pk).update(last_used_at=now)
    return Delivery(record, duplicate=False)


def _parse(body: bytes) -> Report:
    try:
        raw: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed("The body is not JSON.", errors={"body": ["not JSON"]}) from None
    try:
        refuse_nul(raw)
        return Report.model_validate(raw)
    except PydanticError as exc:
        errors: dict[str, list[str]] = {}
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"]) or "body"
            errors.setdefault(field, []).append(error["msg"])
        raise ValidationFailed("The report is not valid.", errors=errors) from None
    except ValueError:
        raise ValidationFailed.field("body", "Text must not contain NUL characters.") from None


def _act(hook: DeploymentHook, report: Report, delivery_id: str) -> services.Outcome:
    data = report.data
    organisation = _organisation(hook, data.organisation)
    product = _product(hook, data.product)
    common: dict[str, Any] = {
        "actor": None,
        "organisation": organisation,
        "environment": data.environment,
        "note": data.note,
        "channel": DeploymentChannel.WEBHOOK,
        "hook": hook,
        "delivery_id": delivery_id,
    }
    if report.type == "deployment.removed":
        return services.remove_deployment(product=product, **common)
    if data.version is None:
        raise ValidationFailed.field("data.version", "A deployment names its version.")
    version = _version(product, data.version)
    return services.set_deployment(version=version, product=product, **common)


def _organisation(hook: DeploymentHook, name: str | None) -> Organisation:
    if hook.organisation is not None:
        if name is not None and name != hook.organisation.name:
            raise ValidationFailed.field(
                "data.organisation", f"This webhook reports for {hook.organisation.name} only."
            )
        return hook.organisation
    if name is None:
        raise ValidationFailed.field("data.organisation", "Name the organisation.")
    found = Organisation.objects.filter(name=name).first()
    if found is None:
        raise ValidationFailed.field("data.organisation", f"No organisation named '{name}'.")
    return found


def _product(hook: DeploymentHook, name: str | None) -> Product:
    if hook.product is not None:
        if name is not None and name != hook.product.name:
            raise ValidationFailed.field(
                "data.product", f"This webhook reports for {hook.product.name} only."
            )
        return hook.product
    if name is None:
        raise ValidationFailed.field("data.product", "Name the product.")
    found = Product.objects.filter(name=name).first()
    if found is None:
        raise ValidationFailed.field("data.product", f"No product named '{name}'.")
    return found


def _version(product: Product, name: str) -> Version:
    found = Version.objects.filter(product=product, name=name).first()
    if found is not None:
        return found
    if not settings.SUSTAIN_DEPLOYMENT_WEBHOOK_CREATES_VERSIONS:
        raise ValidationFailed.field(
            "data.version",
            f"{product.name} has no version '{name}'. Add it to the catalogue first "
            "(or set SUSTAIN_DEPLOYMENT_WEBHOOK_CREATES_VERSIONS).",
        )
    # Through the catalogue, as any new version: read and keyed by the product's scheme (a name
    # it does not read is refused), and taken into the release lines that hold it. The operator
    # allowed it by the setting, so the catalogue's permission is the operator's.
    [version] = create_versions(
        actor=OPERATOR, product=product, versions=[VersionData(name)], field="data.version"
    )
    return version


def prune_deliveries(*, now: datetime | None = None) -> int:
    """Forget deliveries older than ``RETENTION`` (their signatures are long stale)."""
    cutoff = (now or timezone.now()) - RETENTION
    deleted, _ = HookDelivery.objects.filter(received_at__lt=cutoff).delete()
    return deleted
