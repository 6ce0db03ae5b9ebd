"""The checklist on the ticket page: tick an item, add one. Each view calls one service of
``tickets.checklists`` and answers with the regions that moved, like ``ticket_edit``."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, re_path
from django.views.decorators.http import require_POST

from sustain.accounts.access import signed_in_user, staff_required
from sustain.core.errors import NotFound, ServiceError
from sustain.desk.forms import ChecklistAddForm, ChecklistTickForm
from sustain.desk.views.ticket import REF, error_response, updated_response
from sustain.desk.views.ticket_edit import _first_error
from sustain.tickets import checklists

SLOT = "error-checklist"


@staff_required
@require_POST
def tick(request: HttpRequest, ref: str, item_id: str) -> HttpResponse:
    actor = signed_in_user(request)
    form = ChecklistTickForm(request.POST)
    form.is_valid()  # a checkbox: absent is False
    try:
        checklists.tick_checklist_item(
            actor=actor, ref=ref, item_id=int(item_id), done=form.cleaned_data.get("done", False)
        )
    except NotFound:
        raise
    except ServiceError as exc:
        return error_response(request, ref, SLOT, exc.detail, exc.status)
    return updated_response(request, actor, ref)


@staff_required
@require_POST
def add(request: HttpRequest, ref: str) -> HttpResponse:
    actor = signed_in_user(request)
    form = ChecklistAddForm(request.POST)
    if not form.is_valid():
        return error_response(request, ref, SLOT, _first_error(form.errors), 422)
    item = checklists.NewItem(form.cleaned_data["text"], form.cleaned_data["mandatory"])
    try:
        checklists.add_checklist_items(actor=actor, ref=ref, items=[item])
    except NotFound:
        raise
    except ServiceError as exc:
        message = _first_error(exc.errors) if exc.errors else exc.detail
        return error_response(request, ref, SLOT, message, exc.status)
    return updated_response(request, actor, ref)


urlpatterns: list[URLPattern] = [
    re_path(rf"^{REF}/checklist$", add, name="checklist_add"),
    re_path(rf"^{REF}/checklist/(?P<item_id>\d+)$", tick, name="checklist_tick"),
]
