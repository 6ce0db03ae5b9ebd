"""The customer portal: list, open, answer, close and reopen one's own requests.

Each view parses input, calls one service or selector and renders. Customers only: staff are
sent to their workspace (``customer_required``). A ticket the viewer may not read is a 404,
never a 403, so that its existence is not revealed.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from sustain.accounts.access import customer_required, signed_in_user
from sustain.accounts.models import User
from sustain.core.errors import NotFound, ServiceError, ValidationFailed
from sustain.core.htmx import is_htmx, render_page
from sustain.core.uploads import download_response
from sustain.core.web_errors import add_service_error
from sustain.portal import selectors
from sustain.portal.forms import NewRequestForm, ReplyForm, uploads_of
from sustain.tickets import creation, services
from sustain.tickets.choices import Channel, Status
from sustain.tickets.models import Ticket
from sustain.tickets.selectors import get_attachment_for, get_ticket_for


# --- the list -----------------------------------------------------------------------------
@customer_required
def home(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    tab: selectors.Tab = "closed" if request.GET.get("tab") == "closed" else "open"
    org_allowed = selectors.can_see_organisation(user)
    scope: selectors.Scope = (
        "organisation" if org_allowed and request.GET.get("scope") == "organisation" else "mine"
    )
    cursor = request.GET.get("cursor") or None
    status = 200
    try:
        page = selectors.ticket_page(user, scope=scope, tab=tab, cursor=cursor)
    except ValidationFailed:
        # A hand-edited or stale cursor: show the first page and say so.
        messages.error(request, "That page link no longer works; here are the newest requests.")
        page = selectors.ticket_page(user, scope=scope, tab=tab, cursor=None)
        cursor, status = None, 400
    first_page = cursor is None
    context: dict[str, Any] = {
        "nav": "portal",
        "page": page,
        "tab": tab,
        "scope": scope,
        "org_allowed": org_allowed,
        "organisation": user.organisation if org_allowed else None,
        "first_page": first_page,
        # Only an empty first page needs to know whether there is anything elsewhere.
        "has_any": bool(page.items) or not first_page or selectors.has_any_ticket(user, scope),
    }
    return render_page(request, "portal/home.html", context, partial="list", status=status)


# --- a new request ------------------------------------------------------------------------
@customer_required
def new(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    status = 200
    if request.method == "POST":
        form = NewRequestForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                ticket = creation.create_ticket(
                    actor=user,
                    data=creation.NewTicket(
                        title=data["subject"],
                        description=data["description"],
                        kind=data["kind"],
                        impact=data["impact"],
                        urgency=data["urgency"],
                        product=data["product"],
                        attachments=uploads_of(data["attachments"]),
                    ),
                    channel=Channel.WEB,
                )
            except ServiceError as exc:
                add_service_error(form, exc, form.service_fields)
            else:
                messages.success(
                    request,
                    f"Thank you — we received your request {ticket.number}. "
                    "Our answers will appear here, and we e-mail you when we reply.",
                )
                return redirect("portal:detail", ref=ticket.number)
        status = 422
    else:
        form = NewRequestForm()
    return render(request, "portal/new.html", {"form": form, "nav": "portal-new"}, status=status)


# --- one request --------------------------------------------------------------------------
def _render_ticket(
    request: HttpRequest,
    user: User,
    ticket: Ticket,
    form: ReplyForm,
    *,
    flash: str = "",
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    context = {
        "nav": "portal",
        "view": selectors.ticket_view(user, ticket),
        "ticket": ticket,
        "form": form,
        "flash": flash,
        "error": error,
    }
    return render_page(request, "portal/detail.html", context, partial="ticket", status=status)


@customer_required
def detail(request: HttpRequest, ref: str) -> HttpResponse:
    user = signed_in_user(request)
    ticket = get_ticket_for(user, ref)
    if is_htmx(request) and request.GET.get("since"):
        # The open page asking for news: nothing new to see is an empty answer htmx ignores.
        if request.GET["since"] == selectors.news_mark(ticket):
            return HttpResponse(status=204)
        view = selectors.ticket_view(user, ticket)
        context = {"view": view, "ticket": ticket, "refresh": True}
        return render(request, "portal/detail.html#timeline", context)
    return _render_ticket(request, user, ticket, ReplyForm())


def _after_change(request: HttpRequest, user: User, ref: str, flash: str) -> HttpResponse:
    """A change went through: htmx gets the refreshed ticket, a plain form a redirect."""
    if not is_htmx(request):
        messages.success(request, flash)
        return redirect("portal:detail", ref=ref)
    return _render_ticket(request, user, get_ticket_for(user, ref), ReplyForm(), flash=flash)


@customer_required
@require_POST
def reply(request: HttpRequest, ref: str) -> HttpResponse:
    user = signed_in_user(request)
    ticket = get_ticket_for(user, ref)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_message(
                actor=user,
                ref=ticket.pk,
                body=form.cleaned_data["body"],
                attachments=uploads_of(form.cleaned_data["attachments"]),
                channel=Channel.WEB,
            )
        except NotFound:
            raise  # the 404 page, not a form error
        except ServiceError as exc:
            add_service_error(form, exc, form.service_fields)
        else:
            return _after_change(request, user, ticket.number, "Your reply was sent.")
    # htmx swaps only 2xx answers; the fragment with the errors must arrive as one.
    status = 200 if is_htmx(request) else 422
    # A refusal about the ticket rather than a field (merged, past the reopen period) is
    # shown at the top: the reply form may not be shown at all any more.
    error = " ".join(str(e) for e in form.non_field_errors())
    return _render_ticket(request, user, ticket, form, error=error, status=status)


_CHANGES = {
    Status.CLOSED.value: "You closed this request.",
    Status.OPEN.value: "You reopened this request.",
}


@customer_required
@require_POST
def change_status(request: HttpRequest, ref: str) -> HttpResponse:
    user = signed_in_user(request)
    ticket = get_ticket_for(user, ref)
    wanted = request.POST.get("status", "")
    if wanted not in _CHANGES:
        error = "Requests can only be closed or reopened here."
    else:
        try:
            services.transition_ticket(actor=user, ref=ticket.pk, status=wanted)
        except NotFound:
            raise  # the 404 page, not a form error
        except ServiceError as exc:
            error = exc.detail
        else:
            return _after_change(request, user, ticket.number, _CHANGES[wanted])
    status = 200 if is_htmx(request) else 409
    return _render_ticket(request, user, ticket, ReplyForm(), error=error, status=status)


@customer_required
def attachment(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_attachment_for(signed_in_user(request), pk)
    # A streaming response, which the view decorators' HttpResponse type does not name.
    return cast(HttpResponse, download_response(found))
