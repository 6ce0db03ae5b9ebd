"""Prometheus metrics: request counts and durations, and the state of queue, outbox and apps.

Request metrics are counted by a middleware; state metrics are read from the database when
Prometheus scrapes, so they cost nothing between scrapes and are never stale. Core reads the
queue and the outbox; apps above it add their own gauges with :func:`register_state_metric`
from their ``AppConfig.ready()`` (tickets adds tickets by status), so core imports none of them.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

from sustain.core.env import EnvError

logger = logging.getLogger(__name__)

HTTP_REQUESTS = Counter(
    "sustain_http_requests",
    "HTTP requests answered, by method, status class and view.",
    ["method", "status", "view"],
)
HTTP_DURATION = Histogram(
    "sustain_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and view.",
    ["method", "view"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)

# Anything else a client sends becomes "other", so a scanner cannot create label values.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class RequestMetricsMiddleware:
    """Counts and times every request, labelled by route, never by raw path.

    It is the first middleware, so the time includes all the others.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            return response
        finally:
            method = request.method if request.method in _METHODS else "other"
            view = view_label(request)
            HTTP_REQUESTS.labels(method, f"{status // 100}xx", view).inc()
            HTTP_DURATION.labels(method, view).observe(time.perf_counter() - started)


def view_label(request: HttpRequest) -> str:
    """The URL pattern's name (or route) that answered; a path could be any string."""
    match = request.resolver_match
    if match is None:
        return "unmatched"
    return match.view_name or match.route or "unnamed"


StateReader = Callable[[], Metric]

# Name → reader, in registration order, which is the order of the metrics page.
_state_readers: dict[str, StateReader] = {}


def register_state_metric(name: str, read: StateReader) -> None:
    """Report what ``read`` returns at every scrape, as the part ``name`` (the label of
    ``sustain_scrape_collector_success``). Registering a name again replaces its reader, so
    an ``AppConfig.ready()`` that runs twice adds nothing twice."""
    _state_readers[name] = read


class StateCollector:
    """Reports every registered state metric (queue depth, outbox messages by state, and the
    apps' gauges) at scrape time.

    Each part is read on its own, so a failing part (say, the queue) leaves the others and the
    request metrics readable; ``sustain_scrape_collector_success`` tells which part failed.
    """

    def describe(self) -> Iterable[Metric]:
        # Without describe(), the default registry would call collect() at import time, which
        # queries a database that may not exist yet.
        return []

    def collect(self) -> Iterator[Metric]:
        success = GaugeMetricFamily(
            "sustain_scrape_collector_success",
            "1 if the part of the state metrics could be read at this scrape, else 0.",
            labels=["collector"],
        )
        for name, read in list(_state_readers.items()):
            try:
                metric = read()
            except Exception:  # a scrape must not fail because one source is down
                logger.exception("Could not read the %s metrics", name)
                success.add_metric([name], 0)
                continue
            success.add_metric([name], 1)
            yield metric
        yield success


def _queue_depth() -> Metric:
    from huey.contrib.djhuey import HUEY

    return GaugeMetricFamily(
        "sustain_queue_pending_tasks",
        "Tasks waiting in the background queue.",
        value=HUEY.pending_count(),
    )


def _outbox_by_state() -> Metric:
    from sustain.core.models import OutboxMessage

    counts = dict.fromkeys(OutboxMessage.State.values, 0)
    for row in OutboxMessage.objects.values("state").annotate(n=Count("id")).order_by():
        counts[row["state"]] = row["n"]
    family = GaugeMetricFamily(
        "sustain_outbox_messages", "Outbox messages by state.", labels=["state"]
    )
    for state, n in sorted(counts.items()):
        family.add_metric([state], n)
    return family


register_state_metric("queue", _queue_depth)
register_state_metric("outbox", _outbox_by_state)

STATE_COLLECTOR = StateCollector()
REGISTRY.register(STATE_COLLECTOR)


def render() -> tuple[bytes, str]:
    """The metrics page in the Prometheus text format, and its content type."""
    return generate_latest(_scrape_registry()), CONTENT_TYPE_PLAIN_0_0_4


def _scrape_registry() -> CollectorRegistry:
    # Under gunicorn each worker process counts its own requests; with prometheus_client's
    # multiprocess mode switched on, the counters live in files that are merged at scrape time.
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # untyped in the library
    registry.register(STATE_COLLECTOR)
    return registry


def check_multiprocess_dir(environ: Mapping[str, str] = os.environ) -> None:
    """Refuse to serve when ``PROMETHEUS_MULTIPROC_DIR`` is set but no writable folder.

    In multiprocess mode every request writes its counts to a file in that folder; without it,
    every request, ``/healthz`` included, would answer 500. The WSGI entry point calls this, so
    a web process stops at start-up with this message instead.
    """
    path = environ.get("PROMETHEUS_MULTIPROC_DIR")
    if path is None:
        return
    if not os.path.isdir(path) or not os.access(path, os.W_OK | os.X_OK):
        raise EnvError(
            f"PROMETHEUS_MULTIPROC_DIR is {path!r}, which is not a folder this process can "
            "write to. Create it (empty) before the web processes start, or unset the variable; "
            "see docs/deployment.md."
        )
