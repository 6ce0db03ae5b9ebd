"""The log lines of refused requests, through the handler the settings configure."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from sustain.core.logs import ClientErrorsOnOneLine


@pytest.fixture
def stderr_log() -> Iterator[io.StringIO]:
    """What the settings' stderr handler writes, while the test runs."""
    handler = next(
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(f, ClientErrorsOnOneLine) for f in handler.filters)
    )
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        yield stream
    finally:
        handler.setStream(previous)


def test_a_refused_page_is_logged_on_one_line_without_a_traceback(client, alice, stderr_log):
    client.force_login(alice)

    response = client.get("/backups/")  # for administrators only

    assert response.status_code == 403
    lines = stderr_log.getvalue().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].endswith("WARNING django.request Forbidden (Permission denied): /backups/")


def test_a_missing_page_is_one_line_too(client, stderr_log):
    response = client.get("/no-such-page")

    assert response.status_code == 404
    assert stderr_log.getvalue().splitlines()[-1].endswith("Not Found: /no-such-page")
    assert "Traceback" not in stderr_log.getvalue()


def test_a_server_error_keeps_its_traceback(stderr_log):
    try:
        raise RuntimeError("the database went away")
    except RuntimeError as exc:
        logging.getLogger("django.request").error(
            "Internal Server Error: %s", "/tickets/", exc_info=exc, extra={"status_code": 500}
        )

    assert "Traceback" in stderr_log.getvalue()
    assert "RuntimeError: the database went away" in stderr_log.getvalue()
