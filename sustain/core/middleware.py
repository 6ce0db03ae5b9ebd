"""Request middleware of Sustain's own."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone


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
