"""Core's views: the favicon (unknown API paths are in test_health.py with the other
answers that need no app)."""

from __future__ import annotations

from pathlib import Path

from django.contrib.staticfiles import finders


def test_every_page_names_the_icon(client):
    page = client.get("/accounts/login/")

    assert b'<link rel="icon" href="/static/sustain/favicon.svg" type="image/svg+xml">' in (
        page.content
    )


def test_favicon_ico_leads_to_the_svg_icon(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"] == "/static/sustain/favicon.svg"
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    assert icon["Content-Type"] == "image/svg+xml"
    served = b"".join(icon.streaming_content)
    assert served.startswith(b"<svg ")
    source = finders.find("sustain/favicon.svg")
    assert isinstance(source, str)
    assert served == Path(source).read_bytes()
