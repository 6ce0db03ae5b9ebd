"""What the ticket tests share beyond the personas of ``sustain/conftest.py``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    """Files a test uploads go to its own folder, never to the real media folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


def numbers(response: Any) -> list[str]:
    """The ticket numbers of a successful ``GET /api/v1/tickets`` answer, in order."""
    assert response.status_code == 200, response.content
    return [t["number"] for t in response.json()["items"]]
