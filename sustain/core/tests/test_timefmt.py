from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import timezone

from sustain.core.timefmt import exact, relative

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(seconds=10), "just now"),
        (timedelta(minutes=1), "1 min ago"),
        (timedelta(minutes=59), "59 min ago"),
        (timedelta(hours=3), "3 h ago"),
        (timedelta(days=2), "2 d ago"),
        (timedelta(days=60), "2 mo ago"),
        (timedelta(days=800), "2 y ago"),
        (-timedelta(hours=5), "in 5 h"),
    ],
)
def test_relative_times_read_naturally(delta: timedelta, text: str) -> None:
    assert relative(NOW - delta, now=NOW) == text


def test_exact_time_is_in_the_viewers_zone() -> None:
    with timezone.override(ZoneInfo("Europe/Berlin")):
        assert exact(NOW) == "2026-11-22 13:00 CET"


def test_when_filter_gives_relative_text_and_exact_title() -> None:
    html = Template("{% load sustain_ui %}{{ moment|when }}").render(
        Context({"moment": timezone.now() - timedelta(hours=2)})
    )
    assert html.startswith('<time datetime="')
    assert "2 h ago</time>" in html
    assert 'title="' in html
