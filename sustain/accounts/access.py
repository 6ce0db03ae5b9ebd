"""Who may open which pages: decorators for views (services still check every change).

Staff pages send customers to their portal instead of showing a 403; the portal sends staff
to the workspace. Anonymous visitors go to the sign-in page with ``next`` set.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from sustain.accounts.models import User
from sustain.core.permissions import Capability

View = Callable[..., HttpResponse]


def signed_in_user(request: HttpRequest) -> User:
    """The request's user, typed; only for views behind one of the decorators below."""
    user = request.user
    assert isinstance(user, User)
    return user


def staff_required(view: View) -> View:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if signed_in_user(request).is_customer:
            return redirect("portal:home")
        return view(request, *args, **kwargs)

    return wrapper


def customer_required(view: View) -> View:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not signed_in_user(request).is_customer:
            return redirect("desk:queue")
        return view(request, *args, **kwargs)

    return wrapper


def capability_required(capability: Capability) -> Callable[[View], View]:
    """Staff whose role has ``capability`` (``sustain.core.permissions``); other staff get a
    403. The services the page calls check again."""

    def decorate(view: View) -> View:
        @staff_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not signed_in_user(request).can(capability):
                raise PermissionDenied("Your role may not open this page.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
