"""Release notes: Markdown to safe HTML, and the first draft written from the fixed tickets.

Rendering uses the libraries of the knowledge base (markdown-it-py parses, nh3 sanitises), with
the knowledge base's rules except images: notes show none (an image from elsewhere would tell a
third party who reads the notes).

The draft lists the resolved tickets the release fixes, grouped by kind and, within a kind, by
maintenance type. A ticket of a customer organisation is listed by its title; an internal
ticket (no organisation) is only counted ("2 internal changes"), because its title was never
written for customers. The draft is a start: an agent reviews and edits it before publishing,
and only the published text reaches customers and the public.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import nh3
from markdown_it import MarkdownIt

from sustain.tickets.choices import FINISHED_STATUSES, Kind, MaintenanceType

_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(
    ["table", "strikethrough"]
)
_TAGS = {
    "a", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "li", "ol", "p", "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}


def render_notes(source: str) -> str:
    return nh3.clean(
        _MARKDOWN.render(source),
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


# --- the draft ------------------------------------------------------------------------------
# Section headings, in the order the notes read: what customers look for first comes first.
SECTIONS: dict[str, str] = {
    Kind.VULNERABILITY: "Security fixes",
    Kind.FEATURE_REQUEST: "New features",
    Kind.CHANGE: "Changes",
    Kind.BUG: "Bug fixes",
    Kind.INCIDENT: "Incidents resolved",
    Kind.PROBLEM: "Problems solved",
    Kind.SERVICE_REQUEST: "Service requests",
    Kind.MAINTENANCE_TASK: "Maintenance",
    Kind.TECHNICAL_DEBT: "Technical improvements",
}
_TYPE_ORDER = [*MaintenanceType.values, ""]
_TYPE_LABELS = {**dict(MaintenanceType.choices), "": "Other"}
_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


@dataclass(frozen=True)
class FixedTicket:
    """What the draft reads of a ticket the release fixes."""

    title: str
    kind: str
    maintenance_type: str
    status: str
    internal: bool  # no organisation: the team's own work


def escape(text: str) -> str:
    """``text`` as literal Markdown: a title's ``*`` or ``[`` stays a character."""
    return _SPECIAL.sub(r"\\\1", text)


def draft_notes(heading: str, tickets: Iterable[FixedTicket]) -> str:
    """The first draft: ``heading``, then the resolved tickets by kind and maintenance type."""
    grouped: dict[str, dict[str, list[FixedTicket]]] = {}
    for ticket in tickets:
        if ticket.status in FINISHED_STATUSES:
            by_type = grouped.setdefault(ticket.kind, {})
            by_type.setdefault(ticket.maintenance_type, []).append(ticket)
    lines = [f"# {escape(heading)}", ""]
    if not grouped:
        lines += ["No resolved tickets are marked as fixed in this version yet.", ""]
    for kind, section in SECTIONS.items():
        if kind not in grouped:
            continue
        lines += [f"## {section}", ""]
        by_type = grouped[kind]
        several = len(by_type) > 1
        for maintenance_type in _TYPE_ORDER:
            if maintenance_type not in by_type:
                continue
            if several:
                lines += [f"### {_TYPE_LABELS[maintenance_type]}", ""]
            lines += _items(by_type[maintenance_type])
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _items(tickets: list[FixedTicket]) -> list[str]:
    shown = sorted(t.title for t in tickets if not t.internal)
    lines = [f"- {escape(title)}" for title in shown]
    internal = sum(1 for t in tickets if t.internal)
    if internal:
        noun = "change" if internal == 1 else "changes"
        lines.append(f"- {'and ' if shown else ''}{internal} internal {noun}")
    return lines
