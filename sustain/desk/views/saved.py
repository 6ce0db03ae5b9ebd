"""Saving the current filters as a named view, and deleting one."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_POST

from sustain.accounts.access import signed_in_user, staff_required
from sustain.accounts.services import get_team_for
from sustain.core.errors import ServiceError
from sustain.desk.queue_forms import SavedViewForm
from sustain.tickets.saved_views import (
    create_saved_view,
    delete_saved_view,
    update_saved_view,
)


@staff_required
@require_POST
def create(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    form = SavedViewForm(request.POST)
    back = QueryDict(request.POST.get("query", "")).urlencode()
    queue_url = reverse("desk:queue")
    if not form.is_valid():
        messages.error(request, "Give the view a name (at most 100 characters).")
        return redirect(f"{queue_url}?{back}")
    try:
        team_id = form.cleaned_data["team"]
        team = get_team_for(actor, team_id) if team_id else None
        view = create_saved_view(
            actor=actor, name=form.cleaned_data["name"], filters=QueryDict(back), team=team
        )
    except ServiceError as exc:
        messages.error(request, f"The view was not saved: {exc.detail}")
        return redirect(f"{queue_url}?{back}")
    shared = f", shared with {team}" if team else ""
    messages.success(request, f"Saved the view “{view.name}”{shared}.")
    return redirect(f"{queue_url}?view=saved-{view.pk}")


@staff_required
@require_POST
def update(request: HttpRequest, view_id: int) -> HttpResponse:
    """Keep the filters shown now as the view's filters."""
    actor = signed_in_user(request)
    back = QueryDict(request.POST.get("query", "")).urlencode()
    try:
        view = update_saved_view(actor=actor, view_id=view_id, filters=QueryDict(back))
    except ServiceError as exc:
        messages.error(request, f"The view was not changed: {exc.detail}")
        return redirect("desk:queue")
    messages.success(request, f"“{view.name}” now shows these filters.")
    return redirect(f"{reverse('desk:queue')}?view=saved-{view.pk}")


@staff_required
@require_POST
def delete(request: HttpRequest, view_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    try:
        delete_saved_view(actor=actor, view_id=view_id)
    except ServiceError as exc:
        messages.error(request, exc.detail)
        return redirect("desk:queue")
    messages.success(request, "The view was deleted.")
    return redirect("desk:queue")


urlpatterns: list[URLPattern] = [
    path("views/", create, name="saved-create"),
    path("views/<id:view_id>/update", update, name="saved-update"),
    path("views/<id:view_id>/delete", delete, name="saved-delete"),
]
