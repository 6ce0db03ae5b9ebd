"""What the page benches (ui_portal.py, ui_ticket.py, ui_settings.py) share: timing one page
through Django's test client in this process, and reading a percentile."""

from __future__ import annotations

import sys
import time
from typing import Any


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


def measure(
    client: Any, url: Any, repeat: int, warmup: int, status: int = 200
) -> tuple[list[float], list[float], int]:
    """Wall-clock and Python CPU milliseconds of ``repeat`` requests after ``warmup``, and the
    SQL statements of one. ``url`` may be a callable giving a new address each time."""
    from django.db import connection

    def target() -> str:
        return str(url() if callable(url) else url)

    for _ in range(warmup):
        client.get(target())
    # Counted with a wrapper: the request cycle's connection handling resets Django's own
    # query log outside of tests.
    queries: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(target())
    if response.status_code != status:
        sys.exit(f"{target()} answered {response.status_code}")
    times, cpu = [], []
    for _ in range(repeat):
        page = target()
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(page)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        if response.status_code != status:
            sys.exit(f"{page} answered {response.status_code}")
    return times, cpu, len(queries)
