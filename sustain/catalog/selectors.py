"""Reading the catalogue: the one order of a product's versions.

Every list of versions — the API, the product page, release lines, deployments, reports — is
ordered by :func:`version_order` (or reads :func:`ordered_versions`), never by name or by
release date: the stored ``sort_key`` is the product's scheme's order
(``catalog/versioning.py``), and the index (product, sort_key, id) serves it.
"""

from __future__ import annotations

from django.db.models import QuerySet

from sustain.catalog.models import Product, Version


def version_order(*, newest_first: bool = False, through: str = "") -> tuple[str, str]:
    """The ``order_by`` arguments that put versions in their product's order, oldest first
    (or newest first). ``through`` reaches the version from another model: ``"version__"``
    orders deployments or tickets by their version. Versions that the scheme counts equal
    (PEP 440's 1.0 and 1.0.0) come in the order they were created."""
    sign = "-" if newest_first else ""
    return (f"{sign}{through}sort_key", f"{sign}{through}id")


def ordered_versions(product: Product | int, *, newest_first: bool = False) -> QuerySet[Version]:
    """The versions of ``product`` in the order of its scheme."""
    product_id = product if isinstance(product, int) else product.pk
    return Version.objects.filter(product_id=product_id).order_by(
        *version_order(newest_first=newest_first)
    )


def latest_version(product: Product | int) -> Version | None:
    """The highest version of ``product`` by its scheme (a pre-release counts if it is the
    highest), or None."""
    return ordered_versions(product, newest_first=True).first()
