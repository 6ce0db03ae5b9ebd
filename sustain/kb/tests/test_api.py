from __future__ import annotations

from django.test import Client

from sustain.core.testing import assert_problem, send
from sustain.kb.models import Article
from sustain.kb.services import update_article

V1 = "/api/v1"


def test_writer_creates_edits_and_publishes_an_article(api_client, alice, product):
    client = api_client(alice)

    created = send(
        client,
        "POST",
        "/kb/articles",
        {"title": "Renew the TLS certificate", "body": "Upload the *new* key.",
         "tags": ["tls", "security"], "product_ids": [product.pk], "review_by": "2030-01-01"},
    )  # fmt: skip
    assert created.status_code == 201, created.content
    article = created.json()
    assert article["status"] == "draft"
    assert article["body_html"] == "<p>Upload the <em>new</em> key.</p>\n"
    assert article["tags"] == ["security", "tls"]
    assert article["allowed_transitions"] == ["archived", "in_review"]

    path = f"/kb/articles/{article['id']}"
    patched = send(client, "PATCH", path, {"title": "Renew TLS certificates", "note": "plural"})
    assert patched.json()["old_slugs"] == ["renew-the-tls-certificate"]
    for status in ("in_review", "published"):
        moved = send(client, "POST", f"{path}/transitions", {"status": status})
        assert moved.status_code == 200
    assert moved.json()["published_at"] is not None

    diff = client.get(f"{V1}{path}/diff").json()
    assert "-# Renew the TLS certificate" in diff["diff"]
    assert (diff["old"], diff["new"]) == (1, 2)
    revisions = client.get(f"{V1}{path}/revisions").json()
    assert [(r["number"], r["note"]) for r in revisions] == [(2, "plural"), (1, "created")]


def test_a_refused_transition_is_a_problem(api_client, alice, make_article):
    article = make_article(status="draft")

    response = send(
        api_client(alice),
        "POST",
        f"/kb/articles/{article.pk}/transitions",
        {"status": "published"},
    )

    problem = assert_problem(response, 409)
    assert "draft" in problem["detail"]


def test_old_permalink_redirects(make_article, alice):
    article = make_article(title="Old name")
    article_path = f"{V1}/kb/articles/{article.pk}"
    Client().get(article_path)
    update_article(actor=alice, article_id=article.pk, changes={"title": "New name"})

    response = Client().get(f"{V1}/kb/permalinks/old-name")
    assert response.status_code == 301
    assert response["Location"] == f"{V1}/kb/permalinks/new-name"
    assert Client().get(response["Location"]).json()["title"] == "New name"
    assert Article.objects.get().view_count == 2


def test_anonymous_search_returns_public_hits_with_snippets(make_article):
    make_article(title="Upgrade the server", body="Back up, then <upgrade>.")
    make_article(title="Upgrade runbook", audience="staff")

    body = Client().get(f"{V1}/kb/search", {"q": "upgarde"}).json()

    assert [h["article"]["title"] for h in body["articles"]] == ["Upgrade the server"]
    assert body["articles"][0]["title_html"] == "<mark>Upgrade</mark> the server"
    assert "&lt;<mark>upgrade</mark>&gt;" in body["articles"][0]["snippet_html"]
    assert body["tickets"] == []


def test_staff_search_can_include_tickets(api_client, alice, bob, make_ticket):
    ticket = make_ticket(alice, requester=bob, title="Backup failed tonight")

    body = api_client(alice).get(f"{V1}/kb/search", {"q": "backup", "tickets": "true"}).json()

    assert [t["number"] for t in body["tickets"]] == [ticket.number]


def test_bad_search_input_is_a_problem(api_client, bob):
    response = api_client(bob).get(f"{V1}/kb/search", {"q": "x", "limit": 500})

    assert_problem(response, 422)


def test_portal_suggests_while_typing_and_records_a_deflection(api_client, bob, make_article):
    article = make_article(title="Conflicted copies", body="Two people edited a file.")
    client = api_client(bob)

    hits = client.get(f"{V1}/kb/suggest", {"text": "I keep getting conflicted cop"}).json()
    assert [h["article"]["id"] for h in hits] == [article.pk]

    deflected = send(
        client, "POST", "/kb/deflections", {"article_id": article.pk, "query": "conflicted"}
    )
    assert deflected.status_code == 201
    missing = send(client, "POST", "/kb/deflections", {"article_id": 99999})
    assert_problem(missing, 404)


def test_ticket_and_article_links_read_both_ways(api_client, alice, bob, make_article, make_ticket):
    article = make_article()
    ticket = make_ticket(alice, requester=bob)
    client = api_client(alice)

    send(client, "POST", f"/kb/articles/{article.pk}/tickets", {"ticket": ticket.number})

    from_article = client.get(f"{V1}/kb/articles/{article.pk}/tickets").json()
    from_ticket = api_client(bob).get(f"{V1}/kb/tickets/{ticket.number}/articles").json()
    assert [link["ticket"] for link in from_article] == [ticket.number]
    assert [link["article_id"] for link in from_ticket] == [article.pk]
    assert client.get(f"{V1}/kb/articles/{article.pk}").json()["used_on_tickets"] == 1


def test_customer_does_not_see_staff_article_linked_to_their_ticket(
    api_client, alice, bob, make_article, make_ticket
):
    article = make_article(audience="staff")
    ticket = make_ticket(alice, requester=bob)
    send(api_client(alice), "POST", f"/kb/articles/{article.pk}/tickets",
         {"ticket": ticket.number})  # fmt: skip

    assert api_client(bob).get(f"{V1}/kb/tickets/{ticket.number}/articles").json() == []


def test_article_list_pages_and_hides_drafts_from_customers(api_client, bob, alice, make_article):
    for n in range(3):
        make_article(title=f"Article {n}")
    make_article(title="Draft", status="draft")

    first = api_client(bob).get(f"{V1}/kb/articles", {"limit": 2}).json()
    second = (
        api_client(bob)
        .get(f"{V1}/kb/articles", {"limit": 2, "cursor": first["next_cursor"]})
        .json()
    )

    titles = [a["title"] for a in first["items"] + second["items"]]
    assert sorted(titles) == ["Article 0", "Article 1", "Article 2"]
    assert len(api_client(alice).get(f"{V1}/kb/articles").json()["items"]) == 4


def test_article_detail_reads_a_bounded_number_of_queries(
    make_article, django_assert_max_num_queries
):
    article = make_article()
    with django_assert_max_num_queries(9):
        Client().get(f"{V1}/kb/articles/{article.pk}")


def test_review_queue_says_why_each_article_is_due(api_client, alice, product, make_article):
    from datetime import date, timedelta

    from django.utils import timezone

    from sustain.catalog.models import Version

    today = timezone.localdate()
    version = Version.objects.get(product=product)
    version.end_of_life = today - timedelta(days=1)
    version.save()
    article = make_article(
        title="Sync on 2.1", version_ids=[version.pk], review_by=date(2020, 1, 1)
    )

    queue = api_client(alice).get(f"{V1}/kb/review-queue").json()

    assert [item["id"] for item in queue] == [article.pk]
    item = queue[0]
    assert item["title"] == "Sync on 2.1"
    assert item["review_by"] == "2020-01-01"
    assert item["reasons"] == [
        "review date 2020-01-01 passed",
        f"applies to Gizmo 2.1, end of life {version.end_of_life.isoformat()}",
    ]
    assert item["reason"] == "; ".join(item["reasons"])
