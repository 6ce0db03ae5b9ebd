"""Django's PostgreSQL backend, checking a persistent connection only after it sat idle.

With ``CONN_HEALTH_CHECKS`` Django sends ``SELECT 1`` before the first query of every
request, one more round trip on each. A connection that answered a request a moment ago is
taken as alive: the check runs only when the last request that used it without an error
ended more than ``FRESH_SECONDS`` ago. A server restarted within that moment fails at most
the next request of each process, as without health checks; the connection is then
replaced at the end of that request.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.signals import request_finished
from django.db import connections
from django.db.backends.postgresql import base

FRESH_SECONDS = 1.0


class DatabaseWrapper(base.DatabaseWrapper):
    health_check_done: bool  # set by Django's base class; django-stubs leaves it out
    # When a request that used this connection ended without a database error.
    answered_at = float("-inf")
    used_in_request = False

    def create_cursor(self, name: Any = None) -> Any:
        self.used_in_request = True
        return super().create_cursor(name)

    def close_if_health_check_failed(self) -> None:
        if (
            self.connection is not None
            and not self.health_check_done
            and not self.errors_occurred
            and time.monotonic() - self.answered_at < FRESH_SECONDS
        ):
            self.health_check_done = True
        super().close_if_health_check_failed()


def _note_answers(**_: Any) -> None:
    for wrapper in connections.all(initialized_only=True):
        if not isinstance(wrapper, DatabaseWrapper):
            continue
        answered = wrapper.connection is not None and not wrapper.errors_occurred
        if wrapper.used_in_request and answered:
            wrapper.answered_at = time.monotonic()
        wrapper.used_in_request = False


request_finished.connect(_note_answers, dispatch_uid="sustain.core.postgresql.note_answers")
