"""The ticket page's "Suggested articles" panel: a fragment htmx loads after the page.

The page itself renders only an empty panel, so its queries and time do not depend on the
knowledge base; the panel asks ``sustain.kb.suggestions`` (the kb app knows tickets, and the
page composes both). The agent's own search in the panel answers with the result list only.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, re_path
from django.views.decorators.http import require_GET

from sustain.accounts.access import signed_in_user
from sustain.kb.search import MAX_QUERY
from sustain.kb.suggestions import suggestions_for_ticket
from sustain.tickets.views.ticket import REF, load_ticket

FRAGMENT = "tickets/partials/ticket_kb.html"


@require_GET
def kb_suggestions(request: HttpRequest, ref: str) -> HttpResponse:
    # A fragment, not a page: anyone but staff gets a plain 404 rather than a redirect.
    if not request.user.is_authenticated or not signed_in_user(request).is_staff_member:
        raise Http404("No such page.")
    actor = signed_in_user(request)
    ticket = load_ticket(actor, ref)
    query = request.GET.get("q")
    context = {
        "ref": ref,
        "query": (query or "").strip()[:MAX_QUERY],
        "suggestions": suggestions_for_ticket(actor, ticket, (query or "")[:MAX_QUERY]),
        # Insert link writes into the composer, which only writers of an open ticket have.
        "can_insert": actor.can_write_tickets and ticket.merged_into_id is None,
    }
    # The agent's search (q present, even empty) swaps the list only; the first load the panel.
    template = f"{FRAGMENT}#results" if query is not None else FRAGMENT
    return render(request, template, context)


urlpatterns: list[URLPattern] = [
    re_path(rf"^{REF}/kb-suggestions$", kb_suggestions, name="kb_suggestions"),
]
