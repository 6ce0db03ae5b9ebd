"""The notes' rendering and the first draft from the fixed tickets."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sustain.releases.release_notes import FixedTicket, draft_notes, escape, render_notes
from sustain.tickets.choices import Kind, MaintenanceType, Status


def ticket(title: str, kind: str = Kind.BUG, mtype: str = "", **fields: object) -> FixedTicket:
    values: dict[str, object] = {"status": Status.RESOLVED, "internal": False} | fields
    return FixedTicket(title, kind, mtype, str(values["status"]), bool(values["internal"]))


def test_rendering_drops_scripts_images_and_raw_html():
    html = render_notes(
        "# Fixes\n\n<script>alert(1)</script>\n\n![x](https://tracker.example/p.gif)\n\n"
        "[bad](javascript:alert(1)) [good](https://example.com)"
    )
    assert "<script" not in html
    assert "<img" not in html
    assert 'href="javascript' not in html
    assert '<a href="https://example.com" rel="noopener noreferrer nofollow">good</a>' in html


def test_draft_groups_by_kind_then_maintenance_type():
    notes = draft_notes(
        "Gizmo 2.2",
        [
            ticket("Crash on save", Kind.BUG, MaintenanceType.CORRECTIVE),
            ticket("Works on Python 3.13", Kind.BUG, MaintenanceType.ADAPTIVE),
            ticket("Export to CSV", Kind.FEATURE_REQUEST),
            ticket("CVE-2026-1 in the parser", Kind.VULNERABILITY),
        ],
    )
    assert notes == (
        "# Gizmo 2.2\n\n"
        "## Security fixes\n\n- CVE-2026-1 in the parser\n\n"
        "## New features\n\n- Export to CSV\n\n"
        "## Bug fixes\n\n### Corrective\n\n- Crash on save\n\n"
        "### Adaptive\n\n- Works on Python 3.13\n"
    )


def test_draft_leaves_out_open_tickets_and_only_counts_internal_ones():
    notes = draft_notes(
        "Gizmo 2.2",
        [
            ticket("Still open", status=Status.OPEN),
            ticket("Customer bug"),
            ticket("Refactor the ACME hack", internal=True),
            ticket("Bump the pinned library", internal=True),
        ],
    )
    assert "Still open" not in notes
    assert "ACME" not in notes
    assert "pinned" not in notes
    assert "- Customer bug\n- and 2 internal changes" in notes


def test_draft_without_resolved_tickets_says_so():
    assert "No resolved tickets" in draft_notes("Gizmo 2.2", [ticket("x", status=Status.NEW)])


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_an_escaped_title_renders_as_its_own_text(title):
    """Whatever a title holds, it reads as itself in the notes: no link, no emphasis, no
    HTML of its own."""
    html = render_notes(f"- {escape(title)}")
    assert "<a" not in html
    assert "<em" not in html
    assert "<strong" not in html
    assert "<script" not in html
