"""Suite-wide guards: a service the run was configured to use must be there.

A missing PostgreSQL or Redis fails the run with a message saying how to start it. Skipping
instead would let CI report green for a suite that tested nothing on PostgreSQL.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import pytest

DEFAULT_TEST_REDIS_URL = "redis://127.0.0.1:6379/15"
START_SERVICES_HINT = (
    "`make test` starts throwaway PostgreSQL and Redis servers when none answers "
    "(scripts/test-services.sh)"
)


def pytest_sessionstart(session: pytest.Session) -> None:
    from django.conf import settings

    database = settings.DATABASES["default"]
    if "postgresql" not in database["ENGINE"]:
        return
    import psycopg

    url = "postgres://{user}@{host}:{port}/{name}".format(
        user=database.get("USER") or "",
        host=database.get("HOST") or "localhost",
        port=database.get("PORT") or 5432,
        name=database.get("NAME") or "",
    )
    try:
        # The maintenance database, as Django's test runner uses it to create the test database:
        # the configured one need not exist yet.
        psycopg.connect(
            host=database.get("HOST") or None,
            port=database.get("PORT") or None,
            user=database.get("USER") or None,
            password=database.get("PASSWORD") or None,
            dbname="postgres",
            connect_timeout=5,
        ).close()
    except psycopg.OperationalError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        pytest.exit(
            f"PostgreSQL at {url} is not reachable ({reason}). {START_SERVICES_HINT}; "
            "or run the tests on SQLite with `make test-sqlite`.",
            returncode=1,
        )


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The URL of a real Redis server for the tests that need one; REDIS_URL overrides it."""
    import redis

    url = os.environ.get("REDIS_URL") or DEFAULT_TEST_REDIS_URL
    client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
    try:
        client.ping()
        problem = None
    except redis.RedisError as exc:
        problem = str(exc)
    finally:
        client.close()
    if problem is not None:
        shown = (
            url.replace(f":{password}@", ":***@") if (password := urlsplit(url).password) else url
        )
        pytest.fail(
            f"Redis at {shown} is not reachable ({problem}). {START_SERVICES_HINT}.", pytrace=False
        )
    return url
