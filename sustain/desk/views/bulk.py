"""Bulk actions on the tickets selected in a queue: each one transaction through the services.

Without JavaScript the form posts and is redirected back to the list with a message; with
htmx the list is re-rendered in place, or, when the action is refused, only the message is
shown and the selection stays as it was.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_POST

from sustain.accounts.access import signed_in_user, staff_required
from sustain.accounts.models import User
from sustain.accounts.services import get_user_for
from sustain.core.errors import ServiceError
from sustain.core.htmx import is_htmx
from sustain.desk.queue_forms import BulkForm
from sustain.desk.views.queue import build_queue, queue_context, staff_choices
from sustain.tickets import bulk_actions, services
from sustain.tickets.choices import Priority, Status


def _apply(actor: User, data: dict[str, Any]) -> str:
    """Run the chosen action; returns what to tell the user."""
    refs: list[str] = data["tickets"]
    action = data["action"]
    count = f"{len(refs)} ticket{'s' if len(refs) != 1 else ''}"
    if action == "merge":
        target = bulk_actions.merge_many(actor=actor, refs=refs, target=data["merge_target"])
        return f"Merged into {target.number}."
    if action == "tag":
        bulk_actions.add_tag_to_tickets(actor=actor, refs=refs, tag=data["tag_name"])
        return f"Tagged {count} “{data['tag_name'].lower()}”."
    changes: dict[str, Any]
    if action == "assign_me":
        changes, done = {"assignee": actor}, f"Assigned {count} to you."
    elif action == "assign":
        assignee = (
            None if data["assignee"] == "none" else get_user_for(actor, int(data["assignee"]))
        )
        who = assignee.display_name if assignee else "nobody"
        changes, done = {"assignee": assignee}, f"Assigned {count} to {who}."
    elif action == "status":
        changes = {"status": data["status_to"]}
        done = f"Set {count} to {Status(data['status_to']).label}."
    else:
        changes = {"priority": data["priority_to"], "priority_reason": data["priority_reason"]}
        done = f"Set {count} to {Priority(data['priority_to']).label}."
    services.bulk_update_tickets(actor=actor, refs=refs, changes=changes)
    return done


def _form_error(form: BulkForm) -> str:
    for name, errors in form.errors.items():
        return str(errors[0]) if name == "__all__" else f"{name.replace('_', ' ')}: {errors[0]}"
    return "The action could not be read."


@staff_required
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    form = BulkForm(request.POST)
    # Re-encoded: only query parameters go back into the URL.
    back = QueryDict(str(form.data.get("back", ""))).urlencode()
    error, status, done = "", 200, ""
    if not form.is_valid():
        error, status = _form_error(form), 400
    else:
        try:
            done = _apply(actor, form.cleaned_data)
        except ServiceError as exc:
            error, status = exc.detail, exc.status
    if not is_htmx(request):
        messages.add_message(request, messages.ERROR if error else messages.SUCCESS, error or done)
        return redirect(f"{reverse('desk:queue')}?{back}")
    if error:
        response = render(
            request,
            "desk/partials/queue_message.html",
            {"message": error, "level": "error"},
            status=status,
        )
        # A refusal changes nothing: keep the list and its selection, show only the message.
        response["HX-Retarget"] = "#queue-message"
        response["HX-Reswap"] = "innerHTML"
        return response
    queue = build_queue(actor, QueryDict(back))
    context = queue_context(request, queue, staff_choices(), message=done, level="success")
    response = render(request, "desk/queue.html#results", context)
    # The sidebar reloads its counts.
    response["HX-Trigger"] = "queue-changed"
    return response


urlpatterns: list[URLPattern] = [path("bulk", bulk, name="bulk")]
