"""Changing update policies and deprecation notices (``catalog.manage``: engineers, leads,
administrators — the people who keep the catalogue). Each change is one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from sustain.accounts.models import User
from sustain.catalog.models import Product, Version
from sustain.catalog.services import require_manager
from sustain.core.errors import ValidationFailed
from sustain.core.permissions import Actor
from sustain.releases.lifecycle import site_today
from sustain.releases.policy.choices import UpdateChannel, UpdateDelivery
from sustain.releases.policy.models import (
    FEATURE_MAX_LENGTH,
    NOTES_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    Deprecation,
    UpdatePolicy,
)

MAX_MINOR_BEHIND = 1000
MAX_DAYS_BEHIND = 3650


@dataclass(frozen=True)
class PolicyData:
    channels: list[str]
    max_minor_behind: int | None = None
    max_days_behind: int | None = None
    delivery: str = UpdateDelivery.SELF_SERVICE
    delivery_notes: str = ""


def check_policy(data: PolicyData) -> dict[str, list[str]]:
    """Every problem of ``data``, by field."""
    errors: dict[str, list[str]] = {}
    known = set(UpdateChannel.values)
    if not data.channels:
        errors["channels"] = ["Name at least one channel (stable, lts)."]
    elif unknown := [c for c in data.channels if c not in known]:
        listed = ", ".join(UpdateChannel.values)
        errors["channels"] = [f"Unknown channel {unknown[0]!r}: one of {listed}."]
    for name, limit in (
        ("max_minor_behind", MAX_MINOR_BEHIND),
        ("max_days_behind", MAX_DAYS_BEHIND),
    ):
        value = getattr(data, name)
        if value is not None and not 0 <= value <= limit:
            errors[name] = [f"A whole number from 0 to {limit}, or empty for no limit."]
    if data.delivery not in UpdateDelivery.values:
        errors["delivery"] = [f"One of {', '.join(UpdateDelivery.values)}."]
    if len(data.delivery_notes) > NOTES_MAX_LENGTH:
        errors["delivery_notes"] = [f"At most {NOTES_MAX_LENGTH} characters."]
    return errors


def _refuse(errors: dict[str, list[str]]) -> None:
    if errors:
        field, messages = next(iter(errors.items()))
        raise ValidationFailed(f"{field}: {messages[0]}", errors=errors)


def _user(actor: Actor) -> User | None:
    return actor if isinstance(actor, User) else None


@transaction.atomic
def set_policy(*, actor: Actor, product: Product, data: PolicyData) -> UpdatePolicy:
    """Create or replace ``product``'s update policy."""
    require_manager(actor)
    _refuse(check_policy(data))
    channels = [c for c in UpdateChannel.values if c in set(data.channels)]  # declared order, once
    policy, _ = UpdatePolicy.objects.select_for_update().get_or_create(product=product)
    policy.channels = channels
    policy.max_minor_behind = data.max_minor_behind
    policy.max_days_behind = data.max_days_behind
    policy.delivery = data.delivery
    policy.delivery_notes = data.delivery_notes.strip()
    policy.updated_at = timezone.now()
    policy.updated_by = _user(actor)
    policy.save()
    return policy


@transaction.atomic
def delete_policy(*, actor: Actor, product: Product) -> bool:
    require_manager(actor)
    deleted, _ = UpdatePolicy.objects.filter(product=product).delete()
    return bool(deleted)


# --- deprecation notices ---------------------------------------------------------------------
@dataclass(frozen=True)
class DeprecationData:
    """A notice as a client states it: of ``version`` or of ``feature`` (one of the two)."""

    version: Version | None = None
    feature: str = ""
    announced_on: date | None = None  # today when left out
    deprecated_from: Version | None = None
    deprecated_on: date | None = None
    removed_in: Version | None = None
    removed_on: date | None = None
    text: str = ""


def check_deprecation(product: Product, data: DeprecationData) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    feature = data.feature.strip()
    if (data.version is None) == (not feature):
        errors["feature"] = ["Name either a version or a feature, not both and not neither."]
    if len(feature) > FEATURE_MAX_LENGTH:
        errors["feature"] = [f"At most {FEATURE_MAX_LENGTH} characters."]
    for name in ("version", "deprecated_from", "removed_in"):
        version = getattr(data, name)
        if version is not None and version.product_id != product.pk:
            errors[name] = [f"{version} is not a version of {product.name}."]
    if (
        data.deprecated_from is not None
        and data.removed_in is not None
        and "removed_in" not in errors
        and "deprecated_from" not in errors
        and version_key(data.removed_in) <= version_key(data.deprecated_from)
    ):
        errors["removed_in"] = [
            "The version it is removed in comes after the one it is deprecated from."
        ]
    announced = data.announced_on or site_today()
    for name in ("deprecated_on", "removed_on"):
        day = getattr(data, name)
        if day is not None and day < announced:
            errors[name] = [
                f"{day.isoformat()} comes before the announcement ({announced.isoformat()})."
            ]
    if data.deprecated_on and data.removed_on and data.removed_on < data.deprecated_on:
        errors["removed_on"] = ["The removal comes after the deprecation."]
    if len(data.text) > TEXT_MAX_LENGTH:
        errors["text"] = [f"At most {TEXT_MAX_LENGTH} characters."]
    return errors


def version_key(version: Version) -> tuple[str, int]:
    """A version's place in its product's order: ``catalog.selectors.version_order``'s
    (sort_key, id), compared in memory."""
    return (version.sort_key, version.pk)


def _apply(notice: Deprecation, data: DeprecationData) -> None:
    notice.version = data.version
    notice.feature = data.feature.strip() if data.version is None else ""
    notice.announced_on = data.announced_on or site_today()
    notice.deprecated_from = data.deprecated_from
    notice.deprecated_on = data.deprecated_on
    notice.removed_in = data.removed_in
    notice.removed_on = data.removed_on
    notice.text = data.text.strip()


@transaction.atomic
def create_deprecation(*, actor: Actor, product: Product, data: DeprecationData) -> Deprecation:
    require_manager(actor)
    _refuse(check_deprecation(product, data))
    notice = Deprecation(product=product, created_by=_user(actor))
    _apply(notice, data)
    notice.save()
    return notice


@transaction.atomic
def update_deprecation(*, actor: Actor, notice: Deprecation, data: DeprecationData) -> Deprecation:
    require_manager(actor)
    _refuse(check_deprecation(notice.product, data))
    notice = Deprecation.objects.select_for_update().get(pk=notice.pk)
    _apply(notice, data)
    notice.save()
    return notice


@transaction.atomic
def delete_deprecation(*, actor: Actor, notice: Deprecation) -> None:
    require_manager(actor)
    notice.delete()
