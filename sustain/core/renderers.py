"""JSON for API answers, written by orjson: a page of tickets is ~45 kB of JSON, and the
standard library's encoder took a good part of each list request to write it."""

from __future__ import annotations

from typing import Any

import orjson
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from ninja.renderers import BaseRenderer

_fallback = DjangoJSONEncoder()


def _default(value: Any) -> Any:
    # Types orjson does not know (Decimal, lazy translation strings, …) as Django writes them.
    return _fallback.default(value)


class ORJSONRenderer(BaseRenderer):
    media_type = "application/json"

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> Any:
        return orjson.dumps(data, default=_default, option=orjson.OPT_UTC_Z)


def json_response(data: Any, *, status: int = 200) -> HttpResponse:
    """An answer written straight to JSON, for endpoints that skip Ninja's validation."""
    body = orjson.dumps(data, default=_default, option=orjson.OPT_UTC_Z)
    return HttpResponse(body, status=status, content_type="application/json")
