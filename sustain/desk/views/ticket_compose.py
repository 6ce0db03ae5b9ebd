"""The composer: a public reply or an internal note, with files, through ``add_message``.

The service checks every file before it writes anything, so a refused upload leaves no
message behind; the agent's text stays in the composer (htmx swaps only the error area).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, re_path
from django.views.decorators.http import require_POST

from sustain.accounts.access import signed_in_user, staff_required
from sustain.core.errors import NotFound, ServiceError
from sustain.core.htmx import is_htmx
from sustain.core.uploads import Upload
from sustain.desk.forms import ComposerForm
from sustain.desk.views.ticket import REF, page_context, updated_response
from sustain.tickets import services
from sustain.tickets.selectors import get_ticket_for

COMPOSER_ERRORS = "composer-errors"


@staff_required
@require_POST
def add_message(request: HttpRequest, ref: str) -> HttpResponse:
    actor = signed_in_user(request)
    form = ComposerForm(request.POST)
    if not form.is_valid():
        return _refused(request, ref, "Choose Reply or Internal note.", 422)
    uploads = [Upload.from_file(f) for f in request.FILES.getlist("files")]
    try:
        services.add_message(
            actor=actor,
            ref=ref,
            body=form.cleaned_data["body"],
            internal=form.internal,
            attachments=uploads,
        )
    except NotFound:
        raise  # the 404 page, not an error in the composer
    except ServiceError as exc:
        messages = [m for values in exc.errors.values() for m in values]
        detail = exc.detail if not messages or exc.status == 413 else messages[0]
        return _refused(request, ref, detail, exc.status)
    return updated_response(request, actor, ref, composer_mode=form.cleaned_data["mode"])


def _refused(request: HttpRequest, ref: str, message: str, status: int) -> HttpResponse:
    """The reason beside the composer; without htmx the page again with the text kept."""
    if is_htmx(request):
        response = render(
            request, "desk/partials/ticket_error.html", {"message": message}, status=status
        )
        response["HX-Retarget"] = f"#{COMPOSER_ERRORS}"
        response["HX-Reswap"] = "innerHTML"
        return response
    actor = signed_in_user(request)
    context = page_context(actor, get_ticket_for(actor, ref))
    context.update(
        mode="note" if request.POST.get("mode") == "note" else "reply",
        draft=request.POST.get("body", ""),
        composer_error=message,
    )
    return render(request, "desk/ticket.html", context, status=status)


urlpatterns: list[URLPattern] = [
    re_path(rf"^{REF}/messages$", add_message, name="reply"),
]
