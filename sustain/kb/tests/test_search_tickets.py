"""The staff part of search: ticket titles, short words included."""

from __future__ import annotations

from sustain.kb import search as search_module
from sustain.kb.search import search


def test_a_short_word_is_matched_among_the_newest_titles(alice, bob, make_ticket, monkeypatch):
    old = make_ticket(alice, requester=bob, title="Backup to S3 fails")
    for i in range(3):
        make_ticket(alice, requester=bob, title=f"Backup slow {i}")
    newest = make_ticket(alice, requester=bob, title="Nightly backup to s3 stops")

    found = search(alice, "backup s3", include_tickets=True, log=False).tickets
    assert [t.pk for t in found] == [newest.pk, old.pk]

    # Only the newest titles holding the longer words are looked at for the short one.
    monkeypatch.setattr(search_module, "SHORT_WORD_WINDOW", 2)
    found = search(alice, "backup s3", include_tickets=True, log=False).tickets
    assert [t.pk for t in found] == [newest.pk]


def test_only_short_words_still_search_every_title(alice, bob, make_ticket):
    ticket = make_ticket(alice, requester=bob, title="S3 bucket full")

    found = search(alice, "s3", include_tickets=True, log=False).tickets

    assert [t.pk for t in found] == [ticket.pk]
