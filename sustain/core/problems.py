"""RFC 9457 problem details for every API error."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import (
    BadRequest,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.http.request import UnreadablePostError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from sustain.core.errors import InvalidTransition, ServiceError

PROBLEM_CONTENT_TYPE = "application/problem+json"
_TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Payload too large",
    422: "Invalid input",
    429: "Too many requests",
}


def problem(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    errors: dict[str, list[str]] | None = None,
    **extra: Any,
) -> HttpResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title or _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    body.update(extra)
    response = JsonResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="sustain"'
    return response


def _field_path(loc: list[Any]) -> str:
    # Ninja reports ("body", "payload", "team_id"); clients know the field as "team_id". Only
    # the leading location and parameter name go: a field may be named "query" or "body".
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "form", "file", "header"):
        parts = parts[1:]
    if parts and parts[0] in ("payload", "filters", "data", "body"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def validation_errors(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in errors:
        fields.setdefault(_field_path(list(error.get("loc", []))), []).append(
            str(error.get("msg", "invalid"))
        )
    return fields


def install(api: NinjaAPI) -> None:
    """Replace Ninja's default error bodies with problem details.

    Handlers take ``Any`` because Ninja types them as accepting the class or an instance.
    """

    def on_service_error(request: HttpRequest, exc: Any) -> HttpResponse:
        extra: dict[str, Any] = {}
        if isinstance(exc, InvalidTransition):
            extra["allowed"] = exc.allowed
        return problem(exc.status, exc.detail, title=exc.title, errors=exc.errors, **extra)

    def on_validation(request: HttpRequest, exc: Any) -> HttpResponse:
        fields = validation_errors(list(exc.errors))
        names = ", ".join(sorted(fields))
        return problem(422, f"Some fields are invalid: {names}.", errors=fields)

    def on_auth(request: HttpRequest, exc: Any) -> HttpResponse:
        return problem(
            401, "Send a valid API token as 'Authorization: Bearer <token>', or sign in."
        )

    def on_http(request: HttpRequest, exc: Any) -> HttpResponse:
        return problem(exc.status_code, str(exc))

    def on_not_found(request: HttpRequest, exc: Any) -> HttpResponse:
        # Ninja's own answer to Django's Http404 (get_object_or_404 and the like) is
        # {"detail": "Not Found"}, not a problem document.
        return problem(404, str(exc) or "There is nothing at this address.")

    api.add_exception_handler(ServiceError, on_service_error)
    for refused in (
        SuspiciousOperation,
        BadRequest,
        MultiPartParserError,
        UnreadablePostError,
    ):
        api.add_exception_handler(refused, on_unreadable_request)
    api.add_exception_handler(ValidationError, on_validation)
    api.add_exception_handler(AuthenticationError, on_auth)
    api.add_exception_handler(HttpError, on_http)
    api.add_exception_handler(Http404, on_not_found)


# Django refuses a body it will not read (too large, too many fields or files, malformed
# multipart) by raising from ``request.body`` / ``request.POST``; left to Django, that is its
# HTML 400 page (or the debug page). In the API it is a problem like any other.
_UNREADABLE: list[tuple[type[Exception], int, str]] = [
    (
        RequestDataTooBig,
        413,
        "The request body is larger than {DATA_UPLOAD_MAX_MEMORY_SIZE} bytes, the most the API "
        "reads as JSON or form fields (files and raw e-mail have their own limits).",
    ),
    (
        TooManyFieldsSent,
        413,
        "The request has more than {DATA_UPLOAD_MAX_NUMBER_FIELDS} fields.",
    ),
    (TooManyFilesSent, 413, "The request has more than {DATA_UPLOAD_MAX_NUMBER_FILES} files."),
    (MultiPartParserError, 400, "The multipart body could not be read: {exc}"),
    (UnreadablePostError, 400, "The request body could not be read; send it again."),
]


def on_unreadable_request(request: HttpRequest, exc: Any) -> HttpResponse:
    """413 for a body over Django's limits, 400 for one it cannot read; never HTML."""
    status, detail = 400, "The request was refused as malformed."
    for kind, kind_status, template in _UNREADABLE:
        if isinstance(exc, kind):
            status = kind_status
            detail = template.format(
                exc=exc,
                DATA_UPLOAD_MAX_MEMORY_SIZE=settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
                DATA_UPLOAD_MAX_NUMBER_FIELDS=settings.DATA_UPLOAD_MAX_NUMBER_FIELDS,
                DATA_UPLOAD_MAX_NUMBER_FILES=settings.DATA_UPLOAD_MAX_NUMBER_FILES,
            )
            break
    return problem(status, detail)
