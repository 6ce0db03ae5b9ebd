"""The registry of ticket-page panels: columns, order, panels with nothing to show, assets."""

from __future__ import annotations

from typing import Any

import pytest

from sustain.accounts.models import User
from sustain.tickets import panels
from sustain.tickets.models import Ticket
from sustain.tickets.panels import Panel


@pytest.fixture(autouse=True)
def empty_registry(monkeypatch):
    # The apps' own panels stay registered for the other tests.
    monkeypatch.setattr(panels, "_panels", {})


def shows(**context: Any):
    def panel_context(viewer: User, ticket: Ticket) -> dict[str, Any] | None:
        return {**context, "ref": ticket.number} if context else None

    return panel_context


def test_panels_are_shown_by_column_in_order_and_empty_ones_left_out(alice, bobs_ticket):
    panels.register_panel(Panel("late", "Late", 200, "late.html", shows(n=1)))
    panels.register_panel(Panel("early", "Early", 10, "early.html", shows(n=2)))
    panels.register_panel(Panel("below", "Below", 5, "below.html", shows(n=3), column="main"))
    panels.register_panel(Panel("silent", "Silent", 1, "silent.html", shows()))

    shown = panels.panels_for(alice, bobs_ticket)

    assert [p.name for p in shown.side] == ["early", "late"]
    assert [p.name for p in shown.main] == ["below"]
    assert shown.side[0].context == {"n": 2, "ref": bobs_ticket.number}
    assert shown.side[0].title == "Early"


def test_a_column_asks_its_panels_only_when_read(alice, bobs_ticket):
    asked = []

    def main_context(viewer: User, ticket: Ticket) -> dict[str, Any]:
        asked.append(ticket.pk)
        return {}

    panels.register_panel(Panel("below", "Below", 1, "below.html", main_context, column="main"))
    shown = panels.panels_for(alice, bobs_ticket)

    assert shown.side == []
    assert asked == []
    assert len(shown.main) == 1
    assert asked == [bobs_ticket.pk]


def test_a_panel_registered_twice_is_shown_once(alice, bobs_ticket):
    panel = Panel("sla", "SLA", 100, "sla.html", shows(n=1))
    panels.register_panel(panel)
    panels.register_panel(panel)

    assert len(panels.panels_for(alice, bobs_ticket).side) == 1


def test_assets_of_every_panel_are_listed_once_in_panel_order():
    panels.register_panel(Panel("b", "B", 2, "b.html", shows(), styles=("x.css", "b.css")))
    panels.register_panel(
        Panel("a", "A", 1, "a.html", shows(), styles=("x.css",), scripts=("a.js",))
    )

    assets = panels.panel_assets()

    assert assets.styles == ["x.css", "b.css"]
    assert assets.scripts == ["a.js"]
