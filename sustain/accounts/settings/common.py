"""What every settings view shares: paging."""

from __future__ import annotations

from django.db.models import Model, QuerySet
from django.http import HttpRequest

from sustain.core.errors import ValidationFailed
from sustain.core.pagination import Page, paginate

PAGE_SIZE = 50


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
