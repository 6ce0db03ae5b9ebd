"""Request middleware of Sustain's own."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers


class ViewerTimeZoneMiddleware:
    """Times are stored in UTC and shown in the signed-in person's own time zone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        zone_name = getattr(user, "time_zone", "") if user and user.is_authenticated else ""
        try:
            timezone.activate(zoneinfo.ZoneInfo(zone_name or "UTC"))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class RefuseNulMiddleware:
    """A page request with a NUL character in its path, query or form fields answers 400
    naming the field, before any view runs.

    PostgreSQL cannot store NUL in text and refuses it even as a query parameter; SQLite
    takes it. Django's form ``CharField`` refuses it, but a view that reads ``request.GET``
    itself (a search box), a choice built from the submitted values or a raw POST read would
    not, so it is refused here once for every page, the same on both databases. The API
    refuses it in its schemas (``core/schemas.py``) with a 422 naming the field, so it is
    left to them. File contents are not text fields and are not looked at."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX):
            field = _nul_field(request)
            if field is not None:
                context = {"field": field}
                return render(request, "core/bad_input.html", context, status=400)
        return self.get_response(request)


API_PREFIX = "/api/"


def _nul_field(request: HttpRequest) -> str | None:
    if "\x00" in request.path:
        return "the address"
    for data in (request.GET, request.POST if request.method == "POST" else None):
        if data is None:
            continue
        for key, values in data.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                return key.replace("\x00", "")
    return None


class NoStoreForSignedInMiddleware:
    """An answer made for one person is kept by no cache: ``Cache-Control: no-store`` (with
    Django's other never-cache headers) on every page and API answer to a signed-in user, to a
    request that carries credentials (an ``Authorization`` header, a session cookie), and on
    any answer a view marked ``private``.

    A browser's back button, a shared proxy or a disk cache would otherwise keep tickets,
    customers' messages or a token page after sign-out. What anonymous visitors get (the
    public knowledge base, the sign-in page) keeps the headers of its view, and static files
    never reach this middleware (WhiteNoise answers them first), so both stay cacheable.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if _personal(request, response):
            add_never_cache_headers(response)
        return response


def _personal(request: HttpRequest, response: HttpResponse) -> bool:
    if "HTTP_AUTHORIZATION" in request.META or settings.SESSION_COOKIE_NAME in request.COOKIES:
        return True
    # After the view: a sign-in that just succeeded, or an API token (its auth sets the user).
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return True
    directives = response.get("Cache-Control", "").lower().split(",")
    return any(directive.split("=")[0].strip() == "private" for directive in directives)
