"""What every settings view shares: turning service refusals into HTTP answers, paging."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from sustain.core.errors import NotFound, PermissionDenied, ValidationFailed
from sustain.core.pagination import Page, paginate

View = Callable[..., HttpResponse]
PAGE_SIZE = 50


def service_errors(view: View) -> View:
    """A service's NotFound is a 404 and its PermissionDenied a 403, as in the API.

    Validation errors and conflicts are not handled here: the view shows them in its form.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.detail) from None
        except PermissionDenied as exc:
            raise DjangoPermissionDenied(exc.detail) from None

    return wrapper


def page_of[M: Model](
    request: HttpRequest, queryset: QuerySet[M], *, order: str, param: str = "cursor"
) -> Page[M]:
    """One keyset page; a cursor that Sustain did not give out starts from the beginning."""
    cursor = request.GET.get(param) or None
    try:
        return paginate(queryset, order=order, cursor=cursor, limit=PAGE_SIZE)
    except ValidationFailed:
        return paginate(queryset, order=order, cursor=None, limit=PAGE_SIZE)


def query_without(request: HttpRequest, param: str) -> str:
    """The current query string minus ``param``: the base of a pager's links."""
    query = request.GET.copy()
    query.pop(param, None)
    return query.urlencode()
