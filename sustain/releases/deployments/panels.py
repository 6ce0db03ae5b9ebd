"""Sections that other parts of releases add to an organisation's deployments (the staff page
and the portal's "My deployments"), declared here so that deployments imports none of them.

A part registers a panel from ``ReleasesConfig.ready``; ``context`` answers for one viewer,
the organisation and its current deployments (as the page lists them): a dict for the panel's
template, or None when it has nothing to show. The template sees only ``panel``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sustain.accounts.models import Organisation, User
from sustain.releases.deployments.models import Deployment

PanelContext = Callable[[User, Organisation, Sequence[Deployment]], dict[str, Any] | None]


@dataclass(frozen=True)
class DeploymentsPanel:
    name: str  # unique among panels
    template: str
    context: PanelContext
    styles: tuple[str, ...] = ()


@dataclass(frozen=True)
class ShownPanel:
    template: str
    context: dict[str, Any]


_PANELS: dict[str, DeploymentsPanel] = {}


def register_deployments_panel(panel: DeploymentsPanel) -> None:
    _PANELS[panel.name] = panel


def panel_styles() -> list[str]:
    return [style for panel in _PANELS.values() for style in panel.styles]


def shown_panels(
    viewer: User, organisation: Organisation, deployments: Sequence[Deployment]
) -> list[ShownPanel]:
    shown = []
    for panel in _PANELS.values():
        context = panel.context(viewer, organisation, deployments)
        if context is not None:
            shown.append(ShownPanel(panel.template, context))
    return shown
