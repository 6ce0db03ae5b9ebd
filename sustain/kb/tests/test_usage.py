"""Articles linked from replies and notes: linked to the ticket once, counted per ticket."""

from __future__ import annotations

import pytest

from sustain.kb import services as kb_services
from sustain.kb.choices import ArticleStatus, Audience, TicketLinkKind
from sustain.kb.models import Article, ArticleEvent, ArticleTicketLink
from sustain.kb.tasks import log_search_task
from sustain.kb.usage import article_url, linked_slugs, with_usage
from sustain.tickets import services

BASE = "https://help.example.com"


@pytest.fixture(autouse=True)
def base_url(settings):
    settings.SUSTAIN_BASE_URL = BASE


def links(ticket) -> list[tuple[int, str]]:
    return list(ArticleTicketLink.objects.filter(ticket=ticket).values_list("article_id", "kind"))


def test_reply_with_the_article_url_links_it_once(alice, bobs_ticket, make_article):
    article = make_article(title="Restore a single file")

    services.add_message(
        actor=alice, ref=bobs_ticket.pk, body=f"Please follow {article_url(article.slug)} ."
    )
    services.add_message(
        actor=alice, ref=bobs_ticket.pk, body=f"Again: {article_url(article.slug)}", internal=True
    )

    assert links(bobs_ticket) == [(article.pk, TicketLinkKind.ANSWER)]
    link = ArticleTicketLink.objects.get()
    assert link.created_by == alice
    assert (
        ArticleEvent.objects.filter(
            article=article, action="ticket_linked", detail=f"answer {bobs_ticket.number}"
        ).count()
        == 1
    )


def test_note_and_bare_path_count_too(alice, bobs_ticket, make_article):
    article = make_article(title="Firewall ports")

    services.add_message(
        actor=alice, ref=bobs_ticket.pk, body=f"See [ports](/kb/{article.slug}).", internal=True
    )

    assert links(bobs_ticket) == [(article.pk, TicketLinkKind.ANSWER)]


def test_an_old_slug_links_the_article(alice, bobs_ticket, make_article):
    article = make_article(title="Licence expired")
    old = article.slug
    kb_services.update_article(actor=alice, article_id=article.pk, changes={"title": "Renew"})

    services.add_message(actor=alice, ref=bobs_ticket.pk, body=f"{BASE}/kb/{old}")

    assert links(bobs_ticket) == [(article.pk, TicketLinkKind.ANSWER)]


def test_a_link_the_author_cannot_read_is_ignored(bob, bobs_ticket, make_article):
    # Staff read every article; a customer cannot link a staff runbook by guessing its URL.
    runbook = make_article(title="Restart the sync cluster", audience=Audience.STAFF)
    guide = make_article(title="Sync basics")

    services.add_message(
        actor=bob, ref=bobs_ticket.pk, body=f"{BASE}/kb/{runbook.slug} and {BASE}/kb/{guide.slug}"
    )

    assert links(bobs_ticket) == [(guide.pk, TicketLinkKind.ANSWER)]


def test_links_elsewhere_and_unknown_slugs_are_ignored(alice, bobs_ticket, make_article):
    article = make_article(title="Camera upload")

    services.add_message(
        actor=alice,
        ref=bobs_ticket.pk,
        body=f"https://other.example/kb/{article.slug} https://x.test/a/kb/{article.slug} "
        f"{BASE}/kb/no-such-article",
    )

    assert links(bobs_ticket) == []


def test_a_manual_link_and_an_answer_count_one_ticket(
    alice, bobs_ticket, make_ticket, make_article
):
    article = make_article(title="Quota exceeded")
    kb_services.link_ticket(
        actor=alice, article_id=article.pk, ref=bobs_ticket.number, kind=TicketLinkKind.USED
    )
    services.add_message(actor=alice, ref=bobs_ticket.pk, body=article_url(article.slug))
    other = make_ticket(alice, title="Another")
    services.add_message(actor=alice, ref=other.pk, body=article_url(article.slug))

    counted = with_usage(Article.objects.filter(pk=article.pk)).get()
    assert counted.used_on_tickets == 2  # type: ignore[attr-defined]


def test_draft_articles_are_linked_for_staff(alice, bobs_ticket, make_article):
    draft = make_article(title="Work in progress", status=ArticleStatus.DRAFT)

    services.add_message(
        actor=alice, ref=bobs_ticket.pk, body=article_url(draft.slug), internal=True
    )

    assert links(bobs_ticket) == [(draft.pk, TicketLinkKind.ANSWER)]


def test_linked_slugs_reads_hosts_case_and_punctuation():
    text = (
        f"(see {BASE}/kb/first-one), HTTP://HELP.EXAMPLE.COM:443/kb/second. "
        "/kb/third and /kb/first-one again; x/kb/not-this"
    )
    assert linked_slugs(text) == ["first-one", "second", "third"]
    assert linked_slugs("no links here") == []


def test_a_message_without_links_costs_no_query(alice, bobs_ticket, django_assert_num_queries):
    from sustain.kb.usage import link_articles_in_message
    from sustain.tickets.models import Message

    message = Message(ticket=bobs_ticket, author=alice, body="Nothing to see")
    with django_assert_num_queries(0):
        link_articles_in_message(message)


def test_the_search_log_task_writes_the_row(db):
    from django.utils import timezone

    from sustain.kb.models import SearchLog

    at = timezone.now()
    log_search_task("upgrade", 3, "staff", at)

    assert list(
        SearchLog.objects.values_list("query", "results_count", "user_kind", "created_at")
    ) == [("upgrade", 3, "staff", at)]


def test_search_queues_its_log_row_instead_of_writing_it(monkeypatch, bob, make_article):
    from unittest.mock import ANY

    from sustain.kb import search as search_module
    from sustain.kb.models import SearchLog

    make_article(title="Upgrade")
    queued: list[tuple[object, ...]] = []
    monkeypatch.setattr(search_module, "log_search_task", lambda *args: queued.append(args))

    assert len(search_module.search(bob, "Upgrade").articles) == 1

    assert queued == [("upgrade", 1, "customer", ANY)]
    assert not SearchLog.objects.exists()


def test_a_queue_outage_does_not_fail_the_search(monkeypatch, bob, make_article):
    from sustain.kb import search as search_module

    make_article(title="Upgrade")

    def down(*args: object) -> None:
        raise ConnectionError("queue down")

    monkeypatch.setattr(search_module, "log_search_task", down)

    assert len(search_module.search(bob, "Upgrade").articles) == 1


def test_api_lists_and_details_show_the_usage_count(api_client, alice, bobs_ticket, make_article):
    article = make_article(title="Restore a single file")
    services.add_message(actor=alice, ref=bobs_ticket.pk, body=article_url(article.slug))
    client = api_client(alice)

    listed = client.get("/api/v1/kb/articles").json()["items"]
    detail = client.get(f"/api/v1/kb/articles/{article.pk}").json()

    assert [(a["id"], a["used_on_tickets"]) for a in listed] == [(article.pk, 1)]
    assert detail["used_on_tickets"] == 1
