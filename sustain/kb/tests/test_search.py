from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from sustain.core.errors import ValidationFailed
from sustain.kb import services
from sustain.kb.index import edit_distance
from sustain.kb.models import SearchLog
from sustain.kb.search import SearchFilters, highlight, search, suggest


def titles(user, query, filters=None, **kwargs):
    return [h.article.title for h in search(user, query, filters, log=False, **kwargs).articles]


def test_audience_decides_who_finds_what(alice, bob, make_article):
    make_article(title="Upgrade guide", audience="public")
    make_article(title="Upgrade licence for customers", audience="customers")
    make_article(title="Upgrade runbook for staff", audience="staff")

    assert titles(AnonymousUser(), "upgrade") == ["Upgrade guide"]
    assert sorted(titles(bob, "upgrade")) == ["Upgrade guide", "Upgrade licence for customers"]
    assert len(titles(alice, "upgrade")) == 3


def test_drafts_are_found_only_by_staff_who_ask(alice, bob, make_article):
    make_article(title="Upgrade draft", status="draft")

    assert titles(bob, "upgrade") == []
    assert titles(bob, "upgrade", SearchFilters(status="draft")) == []
    assert titles(alice, "upgrade") == []  # search shows published by default
    assert titles(alice, "upgrade", SearchFilters(status="draft")) == ["Upgrade draft"]


def test_prefix_and_typos_find_the_word(bob, make_article):
    make_article(title="Upgrade the server", body="The upgrade takes ten minutes.")

    assert titles(bob, "upgr") == ["Upgrade the server"]
    result = search(bob, "upgarde", log=False)
    assert [h.article.title for h in result.articles] == ["Upgrade the server"]
    assert "upgrade" in result.expansions["upgarde"]
    assert titles(bob, "zzzzqqq") == []


def test_title_matches_rank_first(bob, make_article):
    make_article(title="Backup schedule", body="Nightly jobs.")
    make_article(title="Retention", body="Old backup archives are deleted after a year.")

    assert titles(bob, "backup") == ["Backup schedule", "Retention"]


def test_every_word_counts_before_any_word(bob, make_article):
    make_article(title="Restore a backup", body="Pick the archive.")
    make_article(title="Restore a file version", body="From history.")

    assert titles(bob, "restore backup")[0] == "Restore a backup"


def test_editing_an_article_updates_the_index(alice, bob, make_article):
    article = make_article(title="Proxy settings", body="Use the system proxy.")
    services.update_article(
        actor=alice, article_id=article.pk, changes={"title": "Firewall ports", "body": "8443."}
    )

    assert titles(bob, "proxy") == []
    assert titles(bob, "firewall") == ["Firewall ports"]


def test_filters_by_category_subtree_and_product(alice, bob, make_article, product):
    parent = services.create_category(actor=alice, name="Sync")
    child = services.create_category(actor=alice, name="Sync errors", parent_id=parent.pk)
    other = services.create_category(actor=alice, name="Licences")
    make_article(title="Sync conflict", category_id=child.pk, product_ids=[product.pk])
    make_article(title="Sync licence", category_id=other.pk)

    assert titles(bob, "sync", SearchFilters(category_id=parent.pk)) == ["Sync conflict"]
    assert titles(bob, "sync", SearchFilters(product_id=product.pk)) == ["Sync conflict"]
    assert titles(bob, "sync", SearchFilters(audience="staff")) == []


def test_snippets_are_escaped_before_marking(bob, make_article):
    make_article(title="Scripts", body="Never paste `<script>upgrade()</script>` anywhere.")

    hit = search(bob, "upgrade", log=False).articles[0]

    assert "<script>" not in hit.snippet_html
    assert "&lt;script&gt;<mark>upgrade</mark>()" in hit.snippet_html


def test_highlight_marks_word_forms():
    assert highlight("Restoring & restored", ("resto",)) == (
        "<mark>Restoring</mark> &amp; <mark>restored</mark>"
    )


def test_staff_also_find_tickets_they_can_see(alice, dave, bob, make_ticket):
    ticket = make_ticket(alice, requester=bob, title="Sync stuck at 99%")

    found = search(alice, "sync stuck", include_tickets=True, log=False).tickets
    assert [t.pk for t in found] == [ticket.pk]
    assert search(dave, "sync stuck", include_tickets=True, log=False).tickets == []
    assert search(bob, "sync stuck", include_tickets=True, log=False).tickets == []


def test_searches_are_logged_with_the_user_kind(bob, make_article):
    make_article(title="Upgrade")
    search(bob, "Upgrade")
    search(AnonymousUser(), "nothing here")

    logged = sorted(SearchLog.objects.values_list("query", "results_count", "user_kind"))
    assert logged == [("nothing here", 0, "anonymous"), ("upgrade", 1, "customer")]


def test_too_long_query_is_refused(bob):
    with pytest.raises(ValidationFailed):
        search(bob, "x" * 201)


def test_suggest_uses_any_word_of_the_request(bob, make_article):
    make_article(title="Sync conflict copies", body="Two people changed a file.")
    make_article(title="Licence expired", status="draft")

    hits = suggest(bob, "Hello, since this morning I get conflicted copies of my fil")

    assert [h.article.title for h in hits] == ["Sync conflict copies"]
    assert suggest(bob, "") == []


def test_edit_distance_counts_a_swap_as_one_edit():
    assert edit_distance("upgarde", "upgrade") == 1
    assert edit_distance("licnese", "license") == 1
    assert edit_distance("sync", "sink") == 2
