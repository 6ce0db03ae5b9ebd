from __future__ import annotations

from django.test import Client

from sustain.kb.models import ArticleVote
from sustain.kb.services import link_ticket, update_article


def test_anonymous_visitor_searches_and_reads_a_public_article(
    make_article, django_assert_max_num_queries
):
    article = make_article(
        title="Upgrade the server", body="Back up <b>first</b>, then **upgrade**."
    )
    make_article(title="Upgrade runbook", audience="staff")

    with django_assert_max_num_queries(10):
        page = Client().get("/kb/", {"q": "upgarde"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "<mark>Upgrade</mark> the server" in html
    assert "runbook" not in html

    read = Client().get(f"/kb/{article.slug}")
    body = read.content.decode()
    assert "<strong>upgrade</strong>" in body
    assert "&lt;b&gt;first&lt;/b&gt;" in body


def test_search_fragment_for_htmx(make_article):
    make_article(title="Firewall ports")

    response = Client().get("/kb/", {"q": "firewall"}, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="kb-results"')
    assert "<mark>Firewall</mark> ports" in html


def test_no_results_says_so(db):
    response = Client().get("/kb/", {"q": "printer on fire"})

    assert "No article matches" in response.content.decode()


def test_old_slug_redirects_permanently(alice, make_article):
    article = make_article(title="Old title")
    update_article(actor=alice, article_id=article.pk, changes={"title": "New title"})

    response = Client().get("/kb/old-title")

    assert response.status_code == 301
    assert response["Location"] == "/kb/new-title"


def test_customer_gets_404_for_a_staff_article(bob, make_article):
    article = make_article(audience="staff")
    client = Client()
    client.force_login(bob)

    assert client.get(f"/kb/{article.slug}").status_code == 404


def test_signed_in_customer_votes(bob, make_article):
    article = make_article()
    client = Client()
    client.force_login(bob)

    response = client.post(f"/kb/{article.slug}/vote", {"helpful": "no", "comment": "Unclear"})

    assert response.status_code == 302
    assert ArticleVote.objects.get().comment == "Unclear"
    assert "Thank you" in client.get(response["Location"]).content.decode()


def test_anonymous_vote_is_sent_to_sign_in(make_article):
    article = make_article()

    response = Client().post(f"/kb/{article.slug}/vote", {"helpful": "yes"})

    assert response.status_code == 302
    assert "/accounts/" in response["Location"]
    assert ArticleVote.objects.count() == 0


def test_staff_see_how_many_tickets_used_the_article_and_those_they_may_open(
    alice, dave, bob, make_article, bobs_ticket, django_assert_max_num_queries
):
    article = make_article(title="Reset the sync token")
    link_ticket(actor=alice, article_id=article.pk, ref=bobs_ticket.pk, kind="used")
    client = Client()
    client.force_login(alice)

    with django_assert_max_num_queries(12):
        html = client.get(f"/kb/{article.slug}").content.decode()

    assert "Used on 1 ticket" in html
    assert f'href="/tickets/{bobs_ticket.number}"' in html
    # dave's teams hold none of them: he sees the count, not the ticket
    client.force_login(dave)
    html = client.get(f"/kb/{article.slug}").content.decode()
    assert "Used on 1 ticket" in html
    assert f"/tickets/{bobs_ticket.number}" not in html
    client.force_login(bob)  # customers see no usage at all
    assert "Used on" not in client.get(f"/kb/{article.slug}").content.decode()
