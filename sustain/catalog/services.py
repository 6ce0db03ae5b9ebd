"""Changing the catalogue: products, components, versions, and the order of versions.

Every change goes through here, so a version's ``sort_key`` is always its product's scheme's
key: written when the version is created, renamed or moved, and for all of a product's versions
when its scheme changes (refused, naming the versions, if any name does not fit the new
scheme). Deleting versions and components is offered by ``releases``, which can see the tickets
that refer to them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction

from sustain.catalog import hooks
from sustain.catalog.choices import VersionScheme
from sustain.catalog.models import Component, Product, Version
from sustain.catalog.selectors import ordered_versions
from sustain.catalog.versioning import InvalidVersion, check_name, sort_key
from sustain.core.errors import Conflict, ValidationFailed
from sustain.core.permissions import Actor, Capability, require

# Free-form positions are spread this far apart, so a move takes the middle of a gap and
# renumbers the product's versions only when none is left.
POSITION_GAP = 1024
_REKEY_BATCH = 2000
_LISTED = 5  # names quoted in a refusal of a scheme change


def require_manager(actor: Actor) -> None:
    require(
        actor,
        Capability.CATALOG_MANAGE,
        "Only engineers, leads and admins may change the product catalogue.",
    )


def _text(value: str, field: str, limit: int) -> str:
    cleaned = value.strip()
    if not cleaned:
        raise ValidationFailed.field(field, "This field is required.")
    if len(cleaned) > limit:
        raise ValidationFailed.field(field, f"At most {limit} characters.")
    return cleaned


def _scheme(value: str) -> VersionScheme:
    try:
        return VersionScheme(value)
    except ValueError:
        names = ", ".join(VersionScheme.values)
        raise ValidationFailed.field("version_scheme", f"One of: {names}.") from None


# --- products ------------------------------------------------------------------------------------
@transaction.atomic
def create_product(
    *,
    actor: Actor,
    name: str,
    description: str = "",
    version_scheme: str = VersionScheme.PEP440,
) -> Product:
    require_manager(actor)
    name = _text(name, "name", 200)
    scheme = _scheme(version_scheme)
    if Product.objects.filter(name=name).exists():
        raise Conflict(f"A product named '{name}' exists.", errors={"name": ["already taken"]})
    return Product.objects.create(name=name, description=description, version_scheme=scheme)


@transaction.atomic
def update_product(
    *,
    actor: Actor,
    product: Product,
    name: str | None = None,
    description: str | None = None,
    version_scheme: str | None = None,
) -> Product:
    """Rename, describe, or change the version scheme (which re-keys every version, or is
    refused naming the versions that the new scheme does not read)."""
    require_manager(actor)
    product = Product.objects.select_for_update().get(pk=product.pk)
    if name is not None:
        name = _text(name, "name", 200)
        if Product.objects.filter(name=name).exclude(pk=product.pk).exists():
            raise Conflict(f"A product named '{name}' exists.", errors={"name": ["already taken"]})
        product.name = name
    if description is not None:
        product.description = description
    if version_scheme is not None and version_scheme != product.version_scheme:
        scheme = _scheme(version_scheme)
        _rekey(product, scheme)
        product.version_scheme = scheme
    product.save()
    return product


def _rekey(product: Product, scheme: VersionScheme) -> None:
    """Write every version's key under ``scheme``; a free-form product keeps the order the
    versions had."""
    bad: list[str] = []
    changed: list[Version] = []
    rows = ordered_versions(product).only("id", "name", "position")
    for index, version in enumerate(rows.iterator(chunk_size=_REKEY_BATCH), start=1):
        if scheme == VersionScheme.FREEFORM:
            version.position = index * POSITION_GAP
        try:
            version.sort_key = sort_key(scheme, version.name, position=version.position)
        except InvalidVersion as exc:
            if len(bad) < _LISTED:
                bad.append(str(exc))
            else:
                bad[-1] = "… and more."
            continue
        changed.append(version)
    if bad:
        raise ValidationFailed(
            f"Not every version of {product.name} fits the scheme '{scheme}'. " + " ".join(bad),
            errors={"version_scheme": bad},
        )
    Version.objects.bulk_update(changed, ["sort_key", "position"], batch_size=_REKEY_BATCH)
    hooks.versions_rekeyed(product.pk)


# --- components ----------------------------------------------------------------------------------
@transaction.atomic
def create_component(*, actor: Actor, product: Product, name: str) -> Component:
    require_manager(actor)
    name = _text(name, "name", 200)
    if Component.objects.filter(product=product, name=name).exists():
        raise Conflict(
            f"{product.name} has a component named '{name}'.", errors={"name": ["already taken"]}
        )
    return Component.objects.create(product=product, name=name)


@transaction.atomic
def rename_component(*, actor: Actor, component: Component, name: str) -> Component:
    require_manager(actor)
    name = _text(name, "name", 200)
    taken = Component.objects.filter(product_id=component.product_id, name=name)
    if taken.exclude(pk=component.pk).exists():
        raise Conflict(
            f"The product has a component named '{name}'.", errors={"name": ["already taken"]}
        )
    component.name = name
    component.save(update_fields=["name"])
    return component


# --- versions ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class VersionData:
    name: str
    released_on: date | None = None
    end_of_life: date | None = None


def _checked_name(product: Product, name: str, *, field: str = "name") -> str:
    try:
        name = check_name(name)
        sort_key(product.version_scheme, name, position=0)
    except InvalidVersion as exc:
        raise ValidationFailed.field(field, str(exc)) from None
    return name


@transaction.atomic
def create_version(
    *,
    actor: Actor,
    product: Product,
    name: str,
    released_on: date | None = None,
    end_of_life: date | None = None,
) -> Version:
    """A new version of ``product``; a free-form product puts it last."""
    [version] = create_versions(
        actor=actor, product=product, versions=[VersionData(name, released_on, end_of_life)]
    )
    return version


@transaction.atomic
def create_versions(
    *, actor: Actor, product: Product, versions: Sequence[VersionData], field: str = "name"
) -> list[Version]:
    """Several new versions at once (imports, demo data), in one INSERT; a free-form product
    puts them last, in the order given. Refused whole if any name is bad or taken."""
    require_manager(actor)
    product = Product.objects.select_for_update().get(pk=product.pk)
    names = [_checked_name(product, v.name, field=field) for v in versions]
    if len(set(names)) != len(names):
        raise ValidationFailed.field(field, "The same version is named twice.")
    taken = list(Version.objects.filter(product=product, name__in=names).values_list("name"))
    if taken:
        raise Conflict(
            f"{product.name} has a version '{taken[0][0]}'.", errors={field: ["already taken"]}
        )
    last = ordered_versions(product, newest_first=True).values_list("position", flat=True)
    position = (last.first() or 0) if product.version_scheme == VersionScheme.FREEFORM else 0
    rows = []
    for name, data in zip(names, versions, strict=True):
        if product.version_scheme == VersionScheme.FREEFORM:
            position += POSITION_GAP
        rows.append(
            Version(
                product=product,
                name=name,
                released_on=data.released_on,
                end_of_life=data.end_of_life,
                position=position,
                sort_key=sort_key(product.version_scheme, name, position=position),
            )
        )
    try:
        with transaction.atomic():
            created = Version.objects.bulk_create(rows)
    except IntegrityError:  # a version of the same name created at the same moment
        raise Conflict("A version of that name was just created.") from None
    if any(v.pk is None for v in created):  # MySQL-like backends; not ours, kept honest
        created = list(Version.objects.filter(product=product, name__in=names))
    hooks.versions_changed(product.pk, [v.pk for v in created])
    return created


_UNSET: Any = object()


@transaction.atomic
def update_version(
    *,
    actor: Actor,
    version: Version,
    name: str | None = None,
    released_on: date | None = _UNSET,
    end_of_life: date | None = _UNSET,
) -> Version:
    """Rename (re-keyed) or re-date a version. ``released_on``/``end_of_life`` left out stay;
    None clears them. A version that a release line holds has its end of life from the line."""
    require_manager(actor)
    version = Version.objects.select_related("product").select_for_update().get(pk=version.pk)
    product = version.product
    if name is not None and name.strip() != version.name:
        name = _checked_name(product, name)
        if Version.objects.filter(product=product, name=name).exists():
            raise Conflict(
                f"{product.name} has a version '{name}'.", errors={"name": ["already taken"]}
            )
        version.name = name
        version.sort_key = sort_key(product.version_scheme, name, position=version.position)
    if released_on is not _UNSET:
        version.released_on = released_on
    if end_of_life is not _UNSET:
        version.end_of_life = end_of_life
    version.save()
    hooks.versions_changed(product.pk, [version.pk])
    return version


@transaction.atomic
def move_version(*, actor: Actor, version: Version, after: Version | None) -> Version:
    """Place a version of a free-form product right after ``after`` (first when None)."""
    require_manager(actor)
    version = Version.objects.select_related("product").select_for_update().get(pk=version.pk)
    product = version.product
    if product.version_scheme != VersionScheme.FREEFORM:
        raise ValidationFailed.field(
            "version_id",
            f"{product.name} orders its versions by their names ({product.version_scheme}); "
            "only a free-form product has a manual order.",
        )
    if after is not None and (after.product_id != product.pk or after.pk == version.pk):
        raise ValidationFailed.field("after_id", "Another version of the same product.")
    position = _free_position(product, version, after)
    if position is None:
        _renumber(product)
        version.refresh_from_db(fields=["position"])
        if after is not None:
            after.refresh_from_db(fields=["position"])
        position = _free_position(product, version, after)
        assert position is not None
    version.position = position
    version.sort_key = sort_key(product.version_scheme, version.name, position=position)
    version.save(update_fields=["position", "sort_key"])
    hooks.versions_rekeyed(product.pk, [version.pk])
    return version


def _free_position(product: Product, version: Version, after: Version | None) -> int | None:
    low = after.position if after is not None else -1
    others = ordered_versions(product).exclude(pk=version.pk)
    if after is not None:
        others = others.filter(position__gt=low)
    high = others.values_list("position", flat=True).first()
    if high is None:
        return low + POSITION_GAP
    if high - low < 2:
        return None
    return (low + high) // 2


def _renumber(product: Product) -> None:
    rows = list(ordered_versions(product).only("id", "name", "position"))
    for index, row in enumerate(rows, start=1):
        row.position = index * POSITION_GAP
        row.sort_key = sort_key(VersionScheme.FREEFORM, row.name, position=row.position)
    Version.objects.bulk_update(rows, ["position", "sort_key"], batch_size=_REKEY_BATCH)
    hooks.versions_rekeyed(product.pk)
