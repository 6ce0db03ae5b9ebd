"""The agent's ticket page: one timeline, a composer, fields edited in place.

This module renders the page and its fragments; ``ticket_edit`` and ``ticket_compose`` hold
the views that change a ticket. Every change answers an htmx request with the regions of the
page that may have moved (header, timeline, side panel, poll marker) as out-of-band swaps, so
the page never reloads and never shows stale values after a change.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, re_path, reverse
from django.views.decorators.http import require_GET

from sustain.accounts.access import signed_in_user, staff_required
from sustain.accounts.models import User
from sustain.core.errors import NotFound
from sustain.core.htmx import is_htmx
from sustain.core.permissions import Capability
from sustain.core.uploads import download_response
from sustain.desk.timeline import TIMELINE_LIMIT, build_timeline, changes_since
from sustain.desk.views.ticket_options import edit_options
from sustain.tickets.checklists import checklist_of
from sustain.tickets.models import Ticket, ticket_number
from sustain.tickets.panels import panel_assets, panels_for
from sustain.tickets.selectors import (
    get_attachment_for,
    get_ticket_for,
    page_names,
    parse_ticket_ref,
    visible_tickets,
)
from sustain.tickets.serializers import row_of, visible_links

PAGE = "desk/ticket.html"
FULL_HISTORY_LIMIT = 5000
UPDATED = "desk/partials/ticket_updated.html"


def page_context(
    actor: User, ticket: Ticket, *, timeline_limit: int = TIMELINE_LIMIT
) -> dict[str, Any]:
    """Everything the page and its fragments show, in a number of queries that does not
    depend on the length of the conversation."""
    row = row_of(ticket)
    names, tags = page_names([row])
    watchers = list(ticket.watchers.order_by("full_name", "email"))
    watcher_ids = {w.pk for w in watchers}
    can_write = actor.can(Capability.TICKETS_WRITE)
    timeline = build_timeline(ticket, limit=timeline_limit)
    context: dict[str, Any] = {
        "nav": "tickets",
        "ticket": ticket,
        "ref": ticket.number,
        "names": {kind: names.get((kind, row[f"{kind}_id"]), "") for kind in _NAMED},
        "tags": tags.get(ticket.pk, []),
        "watchers": watchers,
        "watching": actor.pk in watcher_ids,
        "links": visible_links(actor, ticket),
        "checklist": checklist_of(ticket.pk),
        "timeline": timeline,
        "seen": timeline.last_activity_id,
        "can_write": can_write,
        "max_bytes": settings.SUSTAIN_ATTACHMENT_MAX_BYTES,
        "me": actor,
        "urls": ticket_urls(ticket.number),
        "requester_tickets_url": (
            f"{reverse('desk:queue')}?view=all&requester={ticket.requester_id}"
        ),
        "merged_into": ticket_number(ticket.merged_into_id) if ticket.merged_into_id else None,
        # What other apps show on the page (SLA clocks, suggested articles…): see tickets.panels.
        "panels": panels_for(actor, ticket),
        "panel_assets": panel_assets(),
    }
    if can_write:
        context.update(edit_options(actor, ticket, watcher_ids))
    return context


_NAMED = ("team", "organisation", "product", "component", "version", "fixed_in_version")
_EDITABLE = ("status", "priority", "assignee", "team", "catalogue", "tags")


def ticket_urls(ref: str) -> dict[str, str]:
    """The page's form targets, reversed once each rather than twice per form."""
    urls = {name: reverse(f"desk:{name}", args=[ref]) for name in _ACTIONS}
    urls |= {field: reverse("desk:edit", args=[ref, field]) for field in _EDITABLE}
    return urls


_ACTIONS = ("detail", "poll", "refresh", "reply", "watchers", "link", "merge", "checklist_add")


@staff_required
@require_GET
def detail(request: HttpRequest, ref: str) -> HttpResponse:
    actor = signed_in_user(request)
    ticket = get_ticket_for(actor, ref)
    # ?history=all lifts the cap on very long conversations, for the rare reader who needs it.
    limit = FULL_HISTORY_LIMIT if request.GET.get("history") == "all" else TIMELINE_LIMIT
    context = page_context(actor, ticket, timeline_limit=limit)
    context["mode"] = "reply"
    return render(request, PAGE, context)


def detail_or_portal(request: HttpRequest, ref: str) -> HttpResponse:
    """Customers who follow an agent's link land on the same ticket in their portal."""
    if request.user.is_authenticated and signed_in_user(request).is_customer:
        return redirect("portal:detail", ref=ref)
    return detail(request, ref)


def updated_response(
    request: HttpRequest, actor: User, ref: str, *, composer_mode: str | None = None
) -> HttpResponse:
    """After a successful change: the moved regions (htmx) or the page again (no JS)."""
    if not is_htmx(request):
        return redirect("desk:detail", ref=ref)
    try:
        ticket = get_ticket_for(actor, ref)
    except NotFound:
        # The change handed the ticket somewhere this agent cannot see: back to the queue.
        flash.info(request, f"{ref} was changed and is no longer in your view.")
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("desk:queue")
        return response
    context = page_context(actor, ticket)
    context.update(oob=True, with_composer=composer_mode is not None, mode=composer_mode)
    return render(request, UPDATED, context)


def error_response(
    request: HttpRequest, ref: str, slot: str, message: str, status: int
) -> HttpResponse:
    """A refusal shown next to the control that caused it (htmx), or as a page message."""
    if not is_htmx(request):
        flash.error(request, message)
        return redirect("desk:detail", ref=ref)
    response = render(
        request, "desk/partials/ticket_error.html", {"message": message}, status=status
    )
    response["HX-Retarget"] = f"#{slot}"
    response["HX-Reswap"] = "innerHTML"
    return response


@staff_required
@require_GET
def poll(request: HttpRequest, ref: str) -> HttpResponse:
    """204 while the ticket is at the revision the page shows; otherwise who changed it."""
    actor = signed_in_user(request)
    ticket_id = parse_ticket_ref(ref)
    try:
        revision = int(request.GET.get("revision", ""))
        seen = int(request.GET.get("seen", "0") or 0)
    except ValueError:
        return HttpResponse("revision and seen must be numbers", status=400)
    current = (
        visible_tickets(actor).filter(pk=ticket_id).values_list("revision", flat=True).first()
        if ticket_id is not None
        else None
    )
    if current == revision:
        return HttpResponse(status=204)
    changes = changes_since(ticket_id, seen) if current is not None and ticket_id else []
    actors: list[str] = []
    for change in changes:
        name = "you" if change.activity.actor == actor else change.by
        if name not in actors:
            actors.append(name)
    context = {"ref": ref, "gone": current is None, "actors": actors, "changes": changes}
    return render(request, "desk/partials/ticket_banner.html", context)


@staff_required
@require_GET
def refresh(request: HttpRequest, ref: str) -> HttpResponse:
    """The banner's "Reload": every region but the composer, so a draft survives."""
    actor = signed_in_user(request)
    get_ticket_for(actor, ref)
    return updated_response(request, actor, ref)


@login_required
@require_GET
def download(request: HttpRequest, attachment_id: int) -> FileResponse:
    """A file of a ticket the user may read, served so that the browser never runs it."""
    attachment = get_attachment_for(signed_in_user(request), attachment_id)
    return download_response(attachment)


REF = r"(?P<ref>[A-Za-z]+-\d+)"

urlpatterns: list[URLPattern] = [
    re_path(rf"^{REF}$", detail_or_portal, name="detail"),
    re_path(rf"^{REF}/poll$", poll, name="poll"),
    re_path(rf"^{REF}/refresh$", refresh, name="refresh"),
    path("attachments/<id:attachment_id>", download, name="attachment"),
]
