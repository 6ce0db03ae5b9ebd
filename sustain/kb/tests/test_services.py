from __future__ import annotations

from datetime import date, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from sustain.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from sustain.core.timefmt import site_today
from sustain.kb import reports, revisions, services
from sustain.kb.choices import ArticleStatus
from sustain.kb.models import ArticleEvent, ArticleVote, Deflection
from sustain.kb.search import search
from sustain.kb.selectors import resolve_slug
from sustain.tickets.choices import Kind


def test_new_article_is_a_draft_with_a_first_revision_and_safe_html(alice):
    article = services.create_article(
        actor=alice,
        data=services.ArticleData(
            title="Sync fails", body="Run **this**.\n\n<script>alert(1)</script>"
        ),
    )

    assert article.status == ArticleStatus.DRAFT
    assert article.slug == "sync-fails"
    assert "<strong>this</strong>" in article.body_html
    assert "<script>" not in article.body_html
    assert [r.number for r in article.revisions.all()] == [1]
    assert article.owner == alice


def test_viewer_and_customer_cannot_write(viewer, bob, make_article):
    article = make_article()
    with pytest.raises(PermissionDenied):
        services.create_article(actor=viewer, data=services.ArticleData(title="x"))
    with pytest.raises(PermissionDenied):
        services.update_article(actor=bob, article_id=article.pk, changes={"title": "y"})


def test_empty_title_and_unknown_product_are_refused(alice):
    with pytest.raises(ValidationFailed):
        services.create_article(actor=alice, data=services.ArticleData(title="  "))
    with pytest.raises(ValidationFailed) as caught:
        services.create_article(
            actor=alice, data=services.ArticleData(title="x", product_ids=[999])
        )
    assert "product_ids" in caught.value.errors


def test_title_change_keeps_the_old_permalink(alice, bob, make_article):
    article = make_article(title="Upgrade to 4.0")
    services.update_article(actor=alice, article_id=article.pk, changes={"title": "Upgrade to 5"})

    found, current = resolve_slug(bob, "upgrade-to-40")
    assert found.pk == article.pk
    assert current is False
    found, current = resolve_slug(bob, "upgrade-to-5")
    assert current is True
    with pytest.raises(NotFound):
        resolve_slug(bob, "never-existed")


def test_same_title_gets_a_distinct_slug(make_article):
    assert make_article(title="Backups").slug == "backups"
    assert make_article(title="Backups").slug == "backups-2"


def test_workflow_checks_transitions(alice):
    article = services.create_article(actor=alice, data=services.ArticleData(title="x"))
    with pytest.raises(Conflict):
        services.transition_article(actor=alice, article_id=article.pk, status="published")

    services.transition_article(actor=alice, article_id=article.pk, status="in_review")
    published = services.transition_article(actor=alice, article_id=article.pk, status="published")

    assert published.published_at is not None
    actions = list(ArticleEvent.objects.filter(article=article).values_list("action", flat=True))
    assert actions == ["created", "transition", "transition"]


def test_restore_brings_back_an_old_revision_as_a_new_one(alice, make_article):
    article = make_article(body="First text.")
    services.update_article(actor=alice, article_id=article.pk, changes={"body": "Second."})

    restored = services.restore_revision(actor=alice, article_id=article.pk, number=1)

    assert restored.body == "First text."
    assert [r.number for r in article.revisions.all()] == [1, 2, 3]
    with pytest.raises(NotFound):
        services.restore_revision(actor=alice, article_id=article.pk, number=9)


def test_diff_between_revisions(alice, make_article):
    article = make_article(body="Step one.\nStep two.")
    services.update_article(
        actor=alice, article_id=article.pk, changes={"body": "Step one.\nStep 2."}
    )

    old, new, diff = revisions.diff_revisions(user=alice, article_id=article.pk)

    assert (old, new) == (1, 2)
    assert "-Step two." in diff
    assert "+Step 2." in diff


def test_metadata_change_makes_no_revision(alice, make_article):
    article = make_article()
    services.update_article(actor=alice, article_id=article.pk, changes={"audience": "staff"})

    assert article.revisions.count() == 1


def test_a_second_vote_replaces_the_first(bob, make_article):
    article = make_article()
    services.vote_article(actor=bob, article_id=article.pk, helpful=True)
    services.vote_article(actor=bob, article_id=article.pk, helpful=False, comment="Outdated")

    vote = ArticleVote.objects.get()
    assert (vote.helpful, vote.comment) == (False, "Outdated")


def test_customer_cannot_vote_on_a_staff_article(bob, make_article):
    article = make_article(audience="staff")
    with pytest.raises(NotFound):
        services.vote_article(actor=bob, article_id=article.pk, helpful=True)


def test_known_error_needs_a_problem_ticket(alice, bob, make_article, make_ticket):
    article = make_article()
    incident = make_ticket(alice, requester=bob, title="Sync down")
    problem = make_ticket(alice, requester=bob, title="Sync bug", kind=Kind.PROBLEM)

    with pytest.raises(ValidationFailed):
        services.link_ticket(
            actor=alice, article_id=article.pk, ref=incident.number, kind="known_error"
        )
    link = services.link_ticket(
        actor=alice, article_id=article.pk, ref=problem.number, kind="known_error"
    )
    again = services.link_ticket(
        actor=alice, article_id=article.pk, ref=problem.number, kind="known_error"
    )

    assert link.pk == again.pk
    assert problem.kb_links.get().article == article


def test_agent_cannot_link_a_ticket_they_cannot_see(dave, alice, bob, make_article, make_ticket):
    article = make_article()
    ticket = make_ticket(alice, requester=bob)
    with pytest.raises(NotFound):
        services.link_ticket(actor=dave, article_id=article.pk, ref=ticket.number, kind="used")


def test_published_article_must_be_archived_before_deletion(alice, bob, make_article):
    article = make_article(title="Obsolete trick")
    with pytest.raises(Conflict):
        services.delete_article(actor=alice, article_id=article.pk)

    services.transition_article(actor=alice, article_id=article.pk, status="archived")
    services.delete_article(actor=alice, article_id=article.pk)

    assert search(alice, "obsolete", log=False).articles == []


def test_review_queue_lists_the_owners_due_articles(alice, lead, make_article):
    today = timezone.localdate()
    due = make_article(title="Due", review_by=today - timedelta(days=1))
    make_article(title="Later", review_by=today + timedelta(days=30))
    make_article(title="Archived", review_by=date(2020, 1, 1), status="archived")
    make_article(title="Other owner", review_by=date(2020, 1, 1), actor=lead)

    assert [item.article for item in reports.review_queue(user=alice)] == [due]
    others = reports.review_queue(user=alice, owner_id=lead.pk)
    assert [item.article.title for item in others] == ["Other owner"]


def test_review_dates_are_reached_on_the_sites_day_whatever_the_viewers_zone(alice, make_article):
    # The site runs on UTC; a viewer 14 hours ahead or 12 behind sees another date for half
    # of each day, and the queue must not move with it.
    site_day = site_today()
    due = make_article(title="Due today", review_by=site_day)
    make_article(title="Due tomorrow", review_by=site_day + timedelta(days=1))
    for zone in ("Pacific/Kiritimati", "Etc/GMT+12"):
        with timezone.override(ZoneInfo(zone)):
            assert [item.article for item in reports.review_queue(user=alice)] == [due]


def test_report_counts_gaps_helpfulness_and_deflections(alice, bob, make_article, make_ticket):
    article = make_article(title="Restore a backup")
    search(bob, "printer on fire")
    search(bob, "printer on fire")
    services.vote_article(actor=bob, article_id=article.pk, helpful=False)
    services.record_deflection(actor=bob, article_id=article.pk, query="restore")
    make_ticket(bob, title="Restore fails")  # a request bob did submit on the web
    services.record_view(article=article)

    report = reports.kb_report(user=alice)

    assert [(g.query, g.searches) for g in report.no_result_searches] == [("printer on fire", 2)]
    assert [(h.article, h.not_helpful) for h in report.least_helpful] == [(article, 1)]
    assert [a.pk for a in report.most_viewed] == [article.pk]
    assert (report.deflections, report.portal_requests) == (1, 1)
    assert report.deflection_rate == 0.5
    assert Deflection.objects.get().user == bob


def test_customer_cannot_read_reports(bob):
    with pytest.raises(PermissionDenied):
        reports.kb_report(user=bob)


def test_reindex_command_rebuilds_a_lost_index(bob, make_article):
    make_article(title="Firewall ports")
    with connection.cursor() as cursor:  # as after restoring a backup into a new database
        if connection.vendor == "postgresql":
            cursor.execute("DELETE FROM kb_search_doc")
        else:
            cursor.execute("DELETE FROM kb_article_fts")
    assert search(bob, "firewall", log=False).articles == []

    call_command("kb_reindex", stdout=StringIO())

    assert [h.article.title for h in search(bob, "firewall", log=False).articles] == [
        "Firewall ports"
    ]


def test_review_queue_adds_articles_about_versions_past_their_end_of_life(
    alice, product, make_article
):
    from sustain.catalog.models import Version

    today = date(2026, 11, 22)
    ended = Version.objects.get(product=product)
    ended.end_of_life = date(2026, 10, 31)
    ended.save()
    current = Version.objects.create(product=product, name="3.0", end_of_life=date(2027, 6, 30))
    both = make_article(title="Both", review_by=date(2026, 11, 1), version_ids=[ended.pk])
    eol = make_article(title="Only end of life", version_ids=[ended.pk, current.pk])
    make_article(title="Supported version", version_ids=[current.pk])
    make_article(title="Archived", version_ids=[ended.pk], status="archived")

    queue = reports.review_queue(user=alice, today=today)

    # Oldest debt first: both became due on 31 October; then by id.
    assert [(item.article, item.reasons) for item in queue] == [
        (
            both,
            ["review date 2026-11-01 passed", "applies to Gizmo 2.1, end of life 2026-10-31"],
        ),
        (eol, ["applies to Gizmo 2.1, end of life 2026-10-31"]),
    ]
    assert queue[0].reason == (
        "review date 2026-11-01 passed; applies to Gizmo 2.1, end of life 2026-10-31"
    )


def test_update_with_a_stale_revision_is_refused(alice, lead, make_article):
    article = make_article()
    services.update_article(actor=lead, article_id=article.pk, changes={"body": "Newer."})

    with pytest.raises(Conflict) as refused:
        services.update_article(
            actor=alice, article_id=article.pk, changes={"body": "Mine."}, expected_revision=1
        )

    assert refused.value.detail.startswith("Lead saved revision 2 at ")
    assert "revision" in refused.value.errors
    article.refresh_from_db()
    assert article.body == "Newer."
