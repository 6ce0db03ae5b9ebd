from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from sustain.accounts.models import User
from sustain.core.problems import problem


def home(request: HttpRequest) -> HttpResponse:
    """Signed-in people start where their work is: staff in the queue, customers in the portal."""
    user = request.user
    if isinstance(user, User) and user.is_authenticated:
        return redirect("portal:home" if user.is_customer else "desk:queue")
    return render(request, "home.html")


def api_not_found(request: HttpRequest, path: str = "") -> HttpResponse:
    """Unknown API paths answer like every other API error, not with an HTML page."""
    return problem(404, f"There is no API endpoint at {request.path}; see /api/v1/docs.")
