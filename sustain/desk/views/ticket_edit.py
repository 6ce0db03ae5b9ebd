"""Changing a ticket from its page: fields, watchers, links, merging. Each view parses a form,
calls one service and answers with the regions that moved (see ``ticket.updated_response``).

Field edits carry the revision the page showed; the service refuses a stale one, and the
agent then sees what changed meanwhile and can apply their change again on the new revision.
"""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, re_path
from django.views.decorators.http import require_POST

from sustain.accounts.access import signed_in_user, staff_required
from sustain.accounts.models import User
from sustain.core.errors import Conflict, NotFound, ServiceError
from sustain.core.htmx import is_htmx
from sustain.desk.forms import EDIT_FORMS, LinkForm, MergeForm, WatcherForm
from sustain.desk.timeline import changes_since
from sustain.desk.views.ticket import (
    REF,
    error_response,
    page_context,
    updated_response,
)
from sustain.tickets import linking, services
from sustain.tickets.models import Activity, TicketLink
from sustain.tickets.selectors import get_ticket_for
from sustain.tickets.watching import unwatch_ticket, watch_ticket

# Posted keys that describe the request, not the change, and are not echoed back.
_BOOKKEEPING = frozenset({"csrfmiddlewaretoken", "revision", "seen"})


def _first_error(errors: dict[str, list[str]] | object) -> str:
    if isinstance(errors, dict):
        for name, messages in errors.items():
            if messages:
                label = "" if name == "__all__" else f"{name.replace('_', ' ')}: "
                return f"{label}{messages[0]}"
    return "Check the value and try again."


@staff_required
@require_POST
def edit_field(request: HttpRequest, ref: str, field: str) -> HttpResponse:
    form_class = EDIT_FORMS.get(field)
    if form_class is None:
        raise Http404(f"No field {field}.")
    actor = signed_in_user(request)
    slot = f"error-{field}"
    form = form_class(request.POST)
    if not form.is_valid():
        return error_response(request, ref, slot, _first_error(form.errors), 422)
    seen = form.cleaned_data["seen"] or 0
    revision = form.cleaned_data["revision"]
    for attempt in range(2):
        try:
            services.update_ticket(
                actor=actor, ref=ref, changes=form.changes(), expected_revision=revision
            )
        except NotFound:
            raise  # the 404 page, not an error beside the field
        except Conflict as exc:
            if "revision" not in exc.errors:
                return error_response(request, ref, slot, exc.detail, exc.status)
            # Two quick edits from one page: the second left before the first's answer
            # brought the new revision. Only the agent's own changes are in between, so
            # nobody's work is overwritten: apply it on the current revision, once.
            current = _revision_if_only_mine(actor, ref, seen) if attempt == 0 else None
            if current is None:
                return conflict_response(request, actor, ref, field, seen)
            revision = current
        except ServiceError as exc:
            message = _first_error(exc.errors) if exc.errors else exc.detail
            return error_response(request, ref, slot, message, exc.status)
        else:
            break
    return updated_response(request, actor, ref)


def _revision_if_only_mine(actor: User, ref: str, seen: int) -> int | None:
    """The ticket's current revision when every change since ``seen`` was ``actor``'s."""
    if not seen:
        return None
    ticket = get_ticket_for(actor, ref)
    others = Activity.objects.filter(ticket=ticket, pk__gt=seen).exclude(actor=actor)
    return None if others.exists() else ticket.revision


def conflict_response(
    request: HttpRequest, actor: User, ref: str, field: str, seen: int
) -> HttpResponse:
    """Someone changed the ticket since the page was drawn: say who and what, show the
    current values, and offer to apply the same change on top of them."""
    ticket = get_ticket_for(actor, ref)
    context = page_context(actor, ticket)
    retry = [(k, v) for k, values in request.POST.lists() if k not in _BOOKKEEPING for v in values]
    context.update(
        oob=True,
        conflict_field=field,
        conflict_changes=changes_since(ticket.pk, seen),
        retry=retry,
    )
    if not is_htmx(request):
        context.update(oob=False, mode="reply")
        return render(request, "desk/ticket.html", context, status=409)
    response = render(request, "desk/partials/ticket_conflict.html", context, status=409)
    response["HX-Retarget"] = "#ticket-conflict"
    response["HX-Reswap"] = "innerHTML"
    return response


@staff_required
@require_POST
def watchers(request: HttpRequest, ref: str) -> HttpResponse:
    """Add or remove one watcher (two agents adding different watchers at once both stay)."""
    actor = signed_in_user(request)
    form = WatcherForm(request.POST)
    if not form.is_valid():
        return error_response(request, ref, "error-watchers", _first_error(form.errors), 422)
    user: User = form.cleaned_data["user"]
    change = watch_ticket if form.cleaned_data["action"] == "add" else unwatch_ticket
    try:
        change(actor=actor, ref=ref, watchers=[user])
    except NotFound:
        raise  # the 404 page, not an error beside the watchers
    except ServiceError as exc:
        message = _first_error(exc.errors) if exc.errors else exc.detail
        return error_response(request, ref, "error-watchers", message, exc.status)
    return updated_response(request, actor, ref)


@staff_required
@require_POST
def add_link(request: HttpRequest, ref: str) -> HttpResponse:
    actor = signed_in_user(request)
    form = LinkForm(request.POST)
    if not form.is_valid():
        return error_response(request, ref, "error-links", _first_error(form.errors), 422)
    try:
        linking.link_tickets(
            actor=actor,
            source_ref=ref,
            target_ref=form.cleaned_data["target"].strip(),
            kind=form.cleaned_data["kind"],
        )
    except ServiceError as exc:
        if isinstance(exc, NotFound) and not _visible(actor, ref):
            raise  # this ticket itself is gone: the 404 page
        return error_response(request, ref, "error-links", exc.detail, exc.status)
    return updated_response(request, actor, ref)


@staff_required
@require_POST
def remove_link(request: HttpRequest, ref: str, link_id: str) -> HttpResponse:
    actor = signed_in_user(request)
    ticket = get_ticket_for(actor, ref)
    # Only a link of this ticket: the URL must not reach links of other tickets.
    if not TicketLink.objects.filter(Q(source=ticket) | Q(target=ticket), pk=link_id).exists():
        raise Http404(f"{ticket.number} has no link {link_id}.")
    try:
        linking.unlink_tickets(actor=actor, link_id=int(link_id))
    except ServiceError as exc:
        return error_response(request, ref, "error-links", exc.detail, exc.status)
    return updated_response(request, actor, ref)


@staff_required
@require_POST
def merge(request: HttpRequest, ref: str) -> HttpResponse:
    actor = signed_in_user(request)
    form = MergeForm(request.POST)
    if not form.is_valid():
        return error_response(request, ref, "error-merge", _first_error(form.errors), 422)
    try:
        linking.merge_tickets(
            actor=actor, source_ref=ref, target_ref=form.cleaned_data["target"].strip()
        )
    except ServiceError as exc:
        if isinstance(exc, NotFound) and not _visible(actor, ref):
            raise  # this ticket itself is gone: the 404 page
        message = _first_error(exc.errors) if exc.errors else exc.detail
        return error_response(request, ref, "error-merge", message, exc.status)
    return updated_response(request, actor, ref)


def _visible(actor: User, ref: str) -> bool:
    try:
        get_ticket_for(actor, ref)
    except NotFound:
        return False
    return True


urlpatterns: list[URLPattern] = [
    re_path(
        rf"^{REF}/edit/(?P<field>status|priority|assignee|team|catalogue|tags)$",
        edit_field,
        name="edit",
    ),
    re_path(rf"^{REF}/watchers$", watchers, name="watchers"),
    re_path(rf"^{REF}/links$", add_link, name="link"),
    re_path(rf"^{REF}/links/(?P<link_id>\d+)/remove$", remove_link, name="unlink"),
    re_path(rf"^{REF}/merge$", merge, name="merge"),
]
