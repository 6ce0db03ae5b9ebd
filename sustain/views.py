"""Pages of the site as a whole, above every app: where a visitor lands."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from sustain.accounts.models import User


def home(request: HttpRequest) -> HttpResponse:
    """Signed-in people start where their work is: staff in the queue, customers in the portal."""
    user = request.user
    if isinstance(user, User) and user.is_authenticated:
        return redirect("portal:home" if user.is_customer else "desk:queue")
    return render(request, "home.html")
