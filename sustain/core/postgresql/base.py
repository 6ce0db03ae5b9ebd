"""Django's PostgreSQL backend, checking a persistent connection only after it sat idle.

With ``CONN_HEALTH_CHECKS`` Django sends ``SELECT 1`` before the first query of every
request, one more round trip on each. A connection that answered a request a moment ago is
taken as alive: the check runs only when the last request that used it without an error
ended more than ``FRESH_SECONDS`` ago. A server restarted within that moment fails at most
the next request of each process, as without health checks; the connection is then
replaced at the end of that request.

With ``SUSTAIN_PREPARED_STATEMENTS`` (the default) a connection prepares the statements listed
in ``sustain.core.fastsql.PREPARED`` on their first run: those that run on every request or
every new ticket and whose plan does not depend on their parameters. PostgreSQL then only
binds and executes them. Everything else is parsed and planned on every run, as Django does.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.signals import request_finished
from django.db import connections
from django.db.backends.postgresql import base
from django.db.backends.postgresql.base import ServerBindingCursor

from sustain.core import fastsql

FRESH_SECONDS = 1.0


class PreparingCursor(ServerBindingCursor):
    """Prepares the statements of ``fastsql.PREPARED``; leaves the rest to Django's default."""

    def execute(self, query: Any, params: Any = None, **options: Any) -> Any:
        if options.get("prepare") is None:
            options["prepare"] = isinstance(query, str) and query in fastsql.PREPARED
        return super().execute(query, params, **options)  # type: ignore[misc]  # untyped in the stubs


class DatabaseWrapper(base.DatabaseWrapper):
    health_check_done: bool  # set by Django's base class; django-stubs leaves it out
    # When a request that used this connection ended without a database error.
    answered_at = float("-inf")
    used_in_request = False

    def get_connection_params(self) -> dict[str, Any]:
        params: dict[str, Any] = super().get_connection_params()
        # Client-side binding (DATABASE_SERVER_SIDE_BINDING=false) cannot prepare.
        if settings.SUSTAIN_PREPARED_STATEMENTS and params["cursor_factory"] is ServerBindingCursor:
            params["cursor_factory"] = PreparingCursor
            # Not None, which would turn preparing off; the cursor decides for each statement.
            params["prepare_threshold"] = 1
        return params

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
