"""Endpoints for load balancers, orchestrators and Prometheus.

``/healthz`` answers while the process lives (a liveness probe must not restart a web process
because the database is down); ``/readyz`` answers 200 only when the database and the queue
do (a readiness probe takes the process out of rotation until they are back); ``/metrics`` is
for Prometheus. None of them needs a session, so a probe never depends on the login system.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from sustain.core import metrics

# An error text can be long (a driver's multi-line message); the probe needs the gist.
_MAX_ERROR_CHARS = 300
logger = logging.getLogger(__name__)


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_queue() -> None:
    from huey.contrib.djhuey import HUEY

    HUEY.pending_count()


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    # Looked up at call time (not in a module-level dict) so tests can replace one check.
    checks: dict[str, Callable[[], None]] = {"database": check_database, "queue": check_queue}
    results: dict[str, str] = {}
    errors: dict[str, str] = {}
    for name, check in checks.items():
        try:
            check()
        except Exception as exc:  # any failure means "not ready"; the answer says which
            results[name] = "error"
            # The endpoint is public: the message (host names, user names, paths) goes to the
            # log for the operator, the answer names only the kind of failure.
            errors[name] = type(exc).__name__
            logger.warning("readiness check %s failed: %s", name, f"{exc}"[:_MAX_ERROR_CHARS])
        else:
            results[name] = "ok"
    if errors:
        body = {"status": "unavailable", "checks": results, "errors": errors}
        return JsonResponse(body, status=503)
    return JsonResponse({"status": "ok", "checks": results})


@never_cache
@require_safe
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not _metrics_authorised(request):
        response = HttpResponse("A bearer token is required.\n", status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    content, content_type = metrics.render()
    return HttpResponse(content, content_type=content_type)


def _metrics_authorised(request: HttpRequest) -> bool:
    token: str = settings.SUSTAIN_METRICS_TOKEN
    if not token:
        return True
    given = request.headers.get("Authorization", "")
    # Constant-time comparison, so the token cannot be guessed byte by byte from timings.
    return hmac.compare_digest(given.encode("utf-8"), f"Bearer {token}".encode())
