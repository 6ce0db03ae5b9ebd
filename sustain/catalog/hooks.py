"""Reactions of higher apps to changes of the catalogue's versions, declared here.

The catalogue's services call :func:`versions_changed` inside their transaction with the
product and the ids of versions created or renamed, and :func:`versions_rekeyed` when
versions' ``sort_key`` changed without their names (a move, a renumbering, a change of
scheme). ``releases`` registers from its ``ready()`` the functions that keep a version's end of
life and the stored membership of release lines in step; the catalogue knows nothing of lines.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

# (product id, version ids); what it returns is ignored.
VersionsChangedHook = Callable[[int, Collection[int]], object]

_versions_changed: list[VersionsChangedHook] = []


def on_versions_changed(hook: VersionsChangedHook) -> VersionsChangedHook:
    """Register ``hook`` (once, however often ``ready()`` runs)."""
    if hook not in _versions_changed:
        _versions_changed.append(hook)
    return hook


def versions_changed(product_id: int, version_ids: Collection[int]) -> None:
    if not version_ids:
        return
    for hook in _versions_changed:
        hook(product_id, version_ids)


# (product id, version ids, or None for all of the product's versions).
VersionsRekeyedHook = Callable[[int, Collection[int] | None], object]

_versions_rekeyed: list[VersionsRekeyedHook] = []


def on_versions_rekeyed(hook: VersionsRekeyedHook) -> VersionsRekeyedHook:
    """Register ``hook`` (once); ``releases`` copies the keys into its release lines' rows."""
    if hook not in _versions_rekeyed:
        _versions_rekeyed.append(hook)
    return hook


def versions_rekeyed(product_id: int, version_ids: Collection[int] | None = None) -> None:
    for hook in _versions_rekeyed:
        hook(product_id, version_ids)
