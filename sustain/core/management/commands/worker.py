"""``sustain worker``: the background-job consumer.

This is huey's ``run_huey`` command (so every consumer option, e.g. ``--workers N``, is
accepted) plus one change that lets any number of workers run at once: each consumer runs its
own periodic scheduler, so without coordination every periodic job would be enqueued once per
worker process. A worker now enqueues a minute's periodic jobs only if it is the first to claim
that minute in the queue's storage, which all workers share (SQLite file or Redis).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from huey.contrib.djhuey.management.commands import run_huey

CLAIM_PREFIX = "sustain:periodic:"
# Claims older than this are removed by whichever worker wins a later minute, so the storage
# holds a handful of keys instead of one per minute forever.
CLAIM_CLEANUP_MINUTES = range(5, 10)


def _claim_key(minute: datetime) -> str:
    # From the wall-clock fields, not an epoch number: huey's timestamps are naive, and an epoch
    # computed from them would depend on each machine's time zone.
    return f"{CLAIM_PREFIX}{minute:%Y-%m-%dT%H:%M}"


def claiming_read_periodic(huey: Any) -> Callable[[datetime | None], list[Any]]:
    """A ``read_periodic`` for ``huey`` that returns a minute's due tasks to one caller only."""
    read_periodic = huey.read_periodic

    def read_claimed(timestamp: datetime | None) -> list[Any]:
        if timestamp is None:
            # The same clock huey would use (UTC or local, naive) so that the claimed minute is
            # the minute whose crontabs are evaluated.
            timestamp = huey._get_timestamp()
        if not huey.put_if_empty(_claim_key(timestamp), "1"):
            return []
        for age in CLAIM_CLEANUP_MINUTES:
            huey.delete(_claim_key(timestamp - timedelta(minutes=age)))
        tasks: list[Any] = read_periodic(timestamp)
        return tasks

    return read_claimed


class Command(run_huey.Command):  # type: ignore[misc]  # huey ships no type information
    help = "Run a background worker (huey consumer); start as many as the load needs."

    def handle(self, *args: Any, **options: Any) -> None:
        from huey.contrib.djhuey import HUEY

        apply_log_options(options.get("verbose"))
        HUEY.read_periodic = claiming_read_periodic(HUEY)
        super().handle(*args, **options)


def apply_log_options(verbose: bool | None) -> None:
    """huey's ``--quiet`` (warnings and errors only: no line per task) and ``--huey-verbose``.

    huey applies them only when it sets up its own logger, which it skips because the settings
    give the ``huey`` logger a handler; so they are applied here. ``sustain run`` passes
    ``--quiet`` to its worker.
    """
    if verbose is not None:
        logging.getLogger("huey").setLevel(logging.DEBUG if verbose else logging.WARNING)
