"""Service errors in the HTML pages: the one mapping every view uses.

The API answers a service error with problem details (``core/problems.py``); pages answer it
here, in two ways:

- a refusal the page can explain goes onto its form (``add_service_error``): each field the
  service names beside that field, anything else above the form;
- a ``NotFound`` or ``PermissionDenied`` that a view lets pass becomes the 404 or 403 page
  (``ServiceErrorMiddleware``), as in the API. Views therefore catch only the errors they show.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django import forms
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from sustain.core.errors import Conflict, NotFound, PayloadTooLarge, PermissionDenied, ServiceError


def add_service_error(
    form: forms.BaseForm, exc: ServiceError, rename: Mapping[str, str] | None = None
) -> None:
    """Show a service's refusal beside the fields it names, the rest once above the form.

    ``rename`` maps the service's field names to the form's where they differ.
    """
    rename = rename or {}
    unplaced = not exc.errors
    for key, messages in exc.errors.items():
        name = rename.get(key, key)
        if name not in form.fields:
            unplaced = True
            continue
        # A conflict's or a size refusal's per-field message is terse ("already in use");
        # its detail names the value or the file.
        texts = [exc.detail] if isinstance(exc, Conflict | PayloadTooLarge) else messages
        for text in texts:
            form.add_error(name, text)
    if unplaced:
        form.add_error(None, exc.detail)


class ServiceErrorMiddleware:
    """A page whose view lets a service's ``NotFound`` or ``PermissionDenied`` pass answers
    Django's 404 or 403, as the API answers 404 or 403. The API catches its errors itself."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        # Raised, not rendered here: Django turns these into its (or the operator's) 404 and
        # 403 pages exactly as when a view raises them.
        if isinstance(exception, NotFound):
            raise Http404(exception.detail) from None
        if isinstance(exception, PermissionDenied):
            raise DjangoPermissionDenied(exception.detail) from None
