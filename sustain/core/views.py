"""Core's own view: unknown API paths answer with problem details."""

from django.http import HttpRequest, HttpResponse

from sustain.core.problems import problem


def api_not_found(request: HttpRequest, path: str = "") -> HttpResponse:
    """Unknown API paths answer like every other API error, not with an HTML page."""
    return problem(404, f"There is no API endpoint at {request.path}; see /api/v1/docs.")
