"""Panels that other apps add to the agent's ticket page, declared in one place.

The ticket page (``desk``) shows every registered panel, in order, in the column the panel
names; it imports none of the apps that provide them. An app registers its panel from its
``AppConfig.ready()``, as it registers its reactions in ``hooks.py``; tickets only keeps the
list. A panel's ``context`` answers for one viewer and one ticket the viewer may read: a dict
for its template, or ``None`` when it has nothing to show (the panel is then left out).

The two columns differ in when they are drawn. A ``side`` panel is drawn with the page and
again after every change made on it (the side column is swapped out of band), so its context
runs on every change and should cost a query or two. A ``main`` panel, under the composer, is
drawn with the page only; one that is slow to compute draws an empty shell that loads its
content with htmx from a URL of its own app.

A panel's template sees only ``panel`` (what ``context`` returned) and ``title``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from sustain.accounts.models import User
    from sustain.tickets.models import Ticket

Column = Literal["main", "side"]
PanelContext = Callable[["User", "Ticket"], dict[str, Any] | None]


@dataclass(frozen=True)
class Panel:
    name: str  # unique among panels
    title: str
    order: int  # smaller first, within its column
    template: str
    context: PanelContext
    column: Column = "side"
    # Static files the ticket page links for this panel. They are linked whether or not the
    # panel shows on this ticket: a change may make a side panel appear without a page load.
    styles: tuple[str, ...] = ()
    scripts: tuple[str, ...] = ()


@dataclass(frozen=True)
class ShownPanel:
    """A panel with what it shows on one ticket, for one viewer."""

    name: str
    title: str
    template: str
    context: dict[str, Any]


_panels: dict[str, Panel] = {}


def register_panel(panel: Panel) -> Panel:
    """Register ``panel`` (once, however often ``ready()`` runs: a name is kept once)."""
    _panels[panel.name] = panel
    return panel


def registered_panels() -> list[Panel]:
    return sorted(_panels.values(), key=lambda p: (p.order, p.name))


class TicketPanels:
    """The panels that have something to show on one ticket for one viewer, by column, in
    order. A column's contexts are computed when it is first read, so redrawing the side
    column after a change never runs the main column's panels."""

    def __init__(self, viewer: User, ticket: Ticket) -> None:
        self.viewer = viewer
        self.ticket = ticket

    @cached_property
    def main(self) -> list[ShownPanel]:
        return self._shown("main")

    @cached_property
    def side(self) -> list[ShownPanel]:
        return self._shown("side")

    def _shown(self, column: Column) -> list[ShownPanel]:
        shown = []
        for panel in registered_panels():
            if panel.column == column:
                context = panel.context(self.viewer, self.ticket)
                if context is not None:
                    shown.append(ShownPanel(panel.name, panel.title, panel.template, context))
        return shown


def panels_for(viewer: User, ticket: Ticket) -> TicketPanels:
    return TicketPanels(viewer, ticket)


@dataclass(frozen=True)
class PanelAssets:
    styles: list[str]
    scripts: list[str]


def panel_assets() -> PanelAssets:
    """The styles and the scripts of every registered panel, each once, in panel order."""
    panels = registered_panels()
    styles = dict.fromkeys(s for p in panels for s in p.styles)
    scripts = dict.fromkeys(s for p in panels for s in p.scripts)
    return PanelAssets(list(styles), list(scripts))
