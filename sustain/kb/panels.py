"""The ticket page's "Suggested articles" panel: a fragment htmx loads after the page.

The page itself renders only an empty panel, so its queries and time do not depend on the
knowledge base; the panel asks ``sustain.kb.suggestions``. The agent's own search in the panel
answers with the result list only. The panel is registered from ``KbConfig.ready()`` (see
``sustain.tickets.panels``) in the main column, under the composer where its links go; the
fragment is served under the ticket's own address (``sustain.kb.ticket_urls``).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from sustain.accounts.access import signed_in_user
from sustain.accounts.models import User
from sustain.core.permissions import Capability
from sustain.kb.search import MAX_QUERY
from sustain.kb.suggestions import suggestions_for_ticket
from sustain.tickets.models import Ticket
from sustain.tickets.panels import Panel
from sustain.tickets.selectors import get_ticket_for

FRAGMENT = "kb/partials/ticket_suggestions.html"
TITLE = "Suggested articles"


@require_GET
def kb_suggestions(request: HttpRequest, ref: str) -> HttpResponse:
    # A fragment, not a page: anyone but staff gets a plain 404 rather than a redirect.
    if not request.user.is_authenticated or not signed_in_user(request).is_staff_member:
        raise Http404("No such page.")
    actor = signed_in_user(request)
    ticket = get_ticket_for(actor, ref)
    query = request.GET.get("q")
    context = {
        "ref": ref,
        "title": TITLE,
        "query": (query or "").strip()[:MAX_QUERY],
        "suggestions": suggestions_for_ticket(actor, ticket, (query or "")[:MAX_QUERY]),
        # Insert link writes into the composer, which only writers of an open ticket have.
        "can_insert": actor.can(Capability.TICKETS_WRITE) and ticket.merged_into_id is None,
    }
    # The agent's search (q present, even empty) swaps the list only; the first load the panel.
    template = f"{FRAGMENT}#results" if query is not None else FRAGMENT
    return render(request, template, context)


def empty_panel(viewer: User, ticket: Ticket) -> dict[str, Any] | None:
    # No query here: the suggestions are looked up by the fragment, after the page.
    return {"ref": ticket.number} if viewer.is_staff_member else None


PANEL = Panel(
    name="kb-suggestions",
    title=TITLE,
    order=100,
    template="kb/partials/ticket_panel.html",
    context=empty_panel,
    column="main",
    styles=("kb/ticket_panel.css",),
    scripts=("kb/ticket_panel.js",),
)
