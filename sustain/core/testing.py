"""Helpers for the tests of every app (imported by tests only)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from django.test import Client

PROBLEM = "application/problem+json"
V1 = "/api/v1"


def send(client: Client, method: str, url: str, data: Any = None) -> Any:
    """``method`` on ``/api/v1`` + ``url`` with a JSON body; the test client's response (Any:
    its ``json()`` is not in Django's type stubs)."""
    body = json.dumps(data) if data is not None else ""
    return client.generic(method, V1 + url, body, "application/json")


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    """The response is an RFC 9457 problem with this status; returns its body."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body: dict[str, Any] = json.loads(response.content)
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    return body


def production_environment(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a child process that loads ``sustain.settings`` as an operator's
    shell would: none of the test run's settings module, database, queue, mail or secret
    leaks in, and runtime files go to ``data_dir``. ``extra`` adds or overrides variables."""
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(
            ("SUSTAIN_", "DJANGO_", "DATABASE_", "REDIS_", "EMAIL_", "SECRET_KEY")
        )
    }
    return {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "sustain.settings",
        "SECRET_KEY": "sustain-test-child",
        "SUSTAIN_DATA_DIR": str(data_dir),
        **extra,
    }
