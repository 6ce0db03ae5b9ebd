"""Reactions of higher apps to changes of the catalogue's versions, declared here.

The catalogue's services call :func:`versions_changed` inside their transaction with the
product and the ids of versions created or renamed. ``releases`` registers from its
``ready()`` the function that keeps a version's end of life in step with the release lines
that hold it; the catalogue knows nothing of lines.
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
