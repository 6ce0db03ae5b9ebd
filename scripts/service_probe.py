"""Probes for scripts/test-services.sh, run with the virtualenv's Python (psycopg, redis).

    service_probe.py postgres URL   exit 0: usable; 2: nothing answers; 1: answers but refuses
    service_probe.py redis URL      the same for Redis
    service_probe.py free-port      prints a TCP port that is free on 127.0.0.1

"Nothing answers" (nobody listens at the address) lets the caller start a throwaway server;
a server that answers and refuses (a password, a missing role) is the caller's to fix, so it
is reported instead of quietly replaced. The reason goes to stdout, on one line.
"""

from __future__ import annotations

import socket
import sys
from urllib.parse import urlsplit

USABLE, REFUSED, SILENT = 0, 1, 2
DEFAULT_PORTS = {"postgres": 5432, "redis": 6379}


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _listens(host: str, port: int) -> str | None:
    """None if something accepts TCP connections at host:port, else why not."""
    try:
        socket.create_connection((host, port), timeout=3).close()
    except OSError as exc:
        return _first_line(exc)
    return None


def _postgres(url: str) -> None:
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    # The maintenance database, as the test runner uses it to create the test database: the
    # database the URL names need not exist yet.
    psycopg.connect(
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        dbname="postgres",
        connect_timeout=5,
    ).close()


def _redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
    try:
        client.ping()
    finally:
        client.close()


def probe(kind: str, url: str) -> int:
    parts = urlsplit(url)
    host = parts.hostname
    if host and not host.startswith("/"):
        try:
            port = parts.port or DEFAULT_PORTS[kind]
        except ValueError as exc:
            print(f"bad port in the URL: {exc}")
            return REFUSED
        silent = _listens(host, port)
        if silent is not None:
            print(silent)
            return SILENT
    try:
        if kind == "postgres":
            _postgres(url)
        else:
            _redis(url)
    except Exception as exc:  # any refusal is reported, whatever the client library raised
        print(_first_line(exc))
        return REFUSED
    return USABLE


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main(argv: list[str]) -> int:
    if argv == ["free-port"]:
        print(free_port())
        return 0
    if len(argv) == 2 and argv[0] in DEFAULT_PORTS:
        return probe(argv[0], argv[1])
    print(__doc__, file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
