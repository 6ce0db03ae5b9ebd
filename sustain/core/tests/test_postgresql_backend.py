"""The PostgreSQL backend checks a persistent connection only after it sat idle.

Each test plays requests the way the WSGI handler does: the request signals around a query,
so Django's own connection handling (``close_old_connections``) runs as in production.
"""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from django.core.signals import request_finished, request_started
from django.db import OperationalError, connections

from sustain.accounts.models import User
from sustain.core import fastsql
from sustain.core.postgresql import base

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _wrapper() -> base.DatabaseWrapper:
    wrapper = connections["default"]
    assert isinstance(wrapper, base.DatabaseWrapper)
    return wrapper


def _request() -> int:
    request_started.send(sender=None)
    try:
        return User.objects.count()
    finally:
        request_finished.send(sender=None)


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """The outcome of every health check (``SELECT 1``) the backend runs."""
    outcomes: list[bool] = []
    real = base.DatabaseWrapper.is_usable

    def counted(self: base.DatabaseWrapper) -> bool:
        outcomes.append(real(self))
        return outcomes[-1]

    monkeypatch.setattr(base.DatabaseWrapper, "is_usable", counted)
    return outcomes


def _kill_server_side() -> None:
    """End this connection's server process, as a PostgreSQL restart would."""
    pid = _wrapper().connection.info.backend_pid
    settings = _wrapper().get_connection_params()
    with psycopg.connect(**{**settings, "autocommit": True}) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])


def test_settings_use_the_backend_with_health_checks() -> None:
    assert _wrapper().settings_dict["CONN_HEALTH_CHECKS"] is True


def test_a_connection_that_just_answered_is_not_checked(checks: list[bool]) -> None:
    _request()
    checks.clear()

    _request()
    _request()

    assert checks == []


def test_an_idle_connection_is_checked_once_per_request(checks: list[bool]) -> None:
    _request()
    _wrapper().answered_at -= base.FRESH_SECONDS + 1
    checks.clear()

    _request()

    assert checks == [True]


def test_a_request_without_queries_does_not_refresh_the_connection(
    checks: list[bool],
) -> None:
    _request()
    _wrapper().answered_at -= base.FRESH_SECONDS + 1
    request_started.send(sender=None)
    request_finished.send(sender=None)
    checks.clear()

    _request()

    assert checks == [True]


def test_an_idle_connection_that_died_is_replaced_before_the_query(
    checks: list[bool], admin: User
) -> None:
    _request()
    old_pid = _wrapper().connection.info.backend_pid
    _kill_server_side()
    _wrapper().answered_at -= base.FRESH_SECONDS + 1

    assert _request() == 1

    assert checks[-1] is False
    assert _wrapper().connection.info.backend_pid != old_pid


def test_a_connection_that_died_right_after_answering_fails_one_request(
    admin: User,
) -> None:
    _request()
    _kill_server_side()

    # Within the moment after an answer nothing is checked: this request fails, as it would
    # without health checks...
    with pytest.raises(OperationalError):
        _request()
    # ...and the broken connection is dropped at its end, so the next one works.
    assert _request() == 1


def _prepared_statements() -> list[str]:
    with _wrapper().cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_the_hot_statements_are_prepared_and_nothing_else(admin: User) -> None:
    lookup = fastsql.RowLookup(User, "email")
    for _ in range(6):
        assert lookup.get(admin.email) is not None
        # An ORM query, however often it runs, is planned for its parameters every time: a
        # generic plan cannot use the trigram index for a word search (0.7-1 s at 1M tickets).
        assert not User.objects.filter(full_name__icontains="nobody").exists()

    prepared = _prepared_statements()
    assert any('WHERE t."email" = $1' in statement for statement in prepared), prepared
    assert not any("LIKE" in statement for statement in prepared), prepared


def test_prepared_statements_can_be_turned_off(admin: User, settings: Any) -> None:
    settings.SUSTAIN_PREPARED_STATEMENTS = False
    _wrapper().close()
    for _ in range(3):
        assert fastsql.RowLookup(User, "email").get(admin.email) is not None
    assert _prepared_statements() == []
