"""Knowledge-base articles about a version go to review on the day its release line reaches
its end of life: the line's date flows to ``catalog.Version.end_of_life``, which the review
queue reads (kb and releases never import each other)."""

from __future__ import annotations

from datetime import date

from sustain.kb import reports
from sustain.kb import services as kb


def test_an_article_about_a_version_goes_to_review_when_its_line_reaches_end_of_life(
    alice, fv, lines
):
    about = kb.create_article(
        actor=alice,
        data=kb.ArticleData(title="Tuning 4.10", body="…", version_ids=[fv["4.10.0"].pk]),
    )
    kb.create_article(
        actor=alice, data=kb.ArticleData(title="Tuning 5.0", body="…", version_ids=[fv["5.0.0"].pk])
    )

    assert reports.review_queue(user=alice, today=date(2026, 8, 31)) == []
    [item] = reports.review_queue(user=alice, today=date(2026, 9, 1))
    assert item.article == about
    assert item.reasons == ["applies to Fleet 4.10.0, end of life 2026-09-01"]
