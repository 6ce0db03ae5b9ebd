"""The global search box: a ticket number jumps to the ticket, anything else searches."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path, reverse

from sustain.accounts.access import signed_in_user, staff_required
from sustain.tickets.models import ticket_number
from sustain.tickets.selectors import parse_ticket_ref, visible_tickets


@staff_required
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    ticket_id = parse_ticket_ref(query) if query else None
    if ticket_id is not None:
        user = signed_in_user(request)
        if visible_tickets(user).filter(pk=ticket_id).exists():
            return redirect("desk:detail", ref=ticket_number(ticket_id))
    target = reverse("desk:queue")
    return redirect(f"{target}?{urlencode({'view': 'all', 'q': query})}" if query else target)


urlpatterns: list[URLPattern] = [path("search", search, name="search")]
