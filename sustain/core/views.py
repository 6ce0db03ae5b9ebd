"""Core's own views: unknown API paths answer with problem details; the favicon."""

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.templatetags.static import static

from sustain.core.problems import problem

FAVICON = "sustain/favicon.svg"


def api_not_found(request: HttpRequest, path: str = "") -> HttpResponse:
    """Unknown API paths answer like every other API error, not with an HTML page."""
    return problem(404, f"There is no API endpoint at {request.path}; see /api/v1/docs.")


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico where a page names no icon (Django's 403 and 404 pages,
    a JSON answer opened in a tab): the same icon as every page's, instead of a 404."""
    return HttpResponsePermanentRedirect(static(FAVICON))
