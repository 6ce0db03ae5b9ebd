"""The release pages: public notes and feed, the staff's editor, the portal's notes."""

from __future__ import annotations

from django.test import Client

from sustain.core.models import OutboxMessage
from sustain.releases import release_services as services
from sustain.releases.release_models import Release, ReleaseStatus
from sustain.releases.tests.conftest import fix


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_public_sees_published_notes_and_their_feed_but_no_draft(engineer, draft):
    release = draft(notes="## Fixed\n\n- Sync <b>stops</b>")
    anonymous = Client()
    assert anonymous.get(f"/releases/{release.pk}").status_code == 404
    assert "2.2" not in anonymous.get("/releases/").content.decode()
    services.publish_release(actor=engineer, release_id=release.pk)

    page = anonymous.get(f"/releases/{release.pk}").content.decode()
    assert "<h2>Fixed</h2>" in page
    assert "&lt;b&gt;stops&lt;/b&gt;" in page
    assert "Gizmo 2.2" in anonymous.get("/releases/").content.decode()
    feed = anonymous.get(f"/releases/products/{release.version.product_id}/feed.atom")
    assert feed["Content-Type"].startswith("application/atom+xml")
    body = feed.content.decode()
    assert "<title>Gizmo release notes</title>" in body
    assert "Gizmo 2.2 (Patch)" in body
    assert f"/releases/{release.pk}" in body
    assert anonymous.get("/releases/products/999/feed.atom").status_code == 404


def test_a_draft_never_reaches_the_feed(draft, product):
    draft()
    body = Client().get(f"/releases/products/{product.pk}/feed.atom").content.decode()
    assert "<entry>" not in body


def test_engineer_drafts_edits_previews_and_publishes_in_the_editor(
    make_ticket, alice, bob, engineer, new_version
):
    fix(alice, make_ticket(bob, title="Sync stops halfway"), new_version)
    client = signed_in(engineer)
    response = client.post("/releases/manage/new", {"version": new_version.pk, "kind": "hotfix"})
    release = Release.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/releases/manage/{release.pk}/"
    page = client.get(f"/releases/manage/{release.pk}/").content.decode()
    assert "- Sync stops halfway" in page
    assert "Tickets fixed in 2.2" in page

    preview = client.post("/releases/manage/preview", {"notes": "**bold** <script>x</script>"})
    assert "<strong>bold</strong>" in preview.content.decode()
    assert "<script>" not in preview.content.decode()

    saved = client.post(
        f"/releases/manage/{release.pk}/",
        {"kind": "security", "date": "", "notes": "## Fixed", "revision": release.revision},
    )
    assert saved.status_code == 302
    stale = client.post(
        f"/releases/manage/{release.pk}/",
        {"kind": "security", "date": "", "notes": "again", "revision": release.revision},
    )
    assert stale.status_code == 409
    assert "changed by someone else" in stale.content.decode()

    redraft = client.post(f"/releases/manage/{release.pk}/draft")
    assert "- Sync stops halfway" in redraft.content.decode()

    client.post(f"/releases/manage/{release.pk}/publish", {"confirm": "on"})
    release.refresh_from_db()
    assert release.status == ReleaseStatus.PUBLISHED
    assert release.kind == "security"
    assert OutboxMessage.objects.filter(idempotency_key__startswith="release:").count() == 1
    again = client.post(f"/releases/manage/{release.pk}/publish", {"confirm": "on"}, follow=True)
    assert "published already" in again.content.decode()


def test_agents_read_the_editor_but_cannot_save(alice, draft):
    release = draft(notes="Fixes.")
    client = signed_in(alice)
    page = client.get(f"/releases/manage/{release.pk}/").content.decode()
    assert "Fixes." in page
    assert ">Publish<" not in page
    refused = client.post(
        f"/releases/manage/{release.pk}/",
        {"kind": "patch", "notes": "changed", "revision": release.revision},
    )
    assert refused.status_code == 422
    assert "cannot write or publish" in refused.content.decode()
    client.post(f"/releases/manage/{release.pk}/publish", {"confirm": "on"})
    release.refresh_from_db()
    assert release.status == ReleaseStatus.DRAFT


def test_customers_are_kept_out_of_the_editor(bob, draft):
    release = draft()
    response = signed_in(bob).get(f"/releases/manage/{release.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/portal")


def test_portal_lists_the_notes_of_the_customers_products_and_their_own_fixes(
    make_ticket, alice, bob, carol, engineer, new_version, product, draft
):
    from sustain.catalog.models import Product, Version

    mine = fix(alice, make_ticket(bob, title="Bob's crash", product=product), new_version)
    theirs = fix(alice, make_ticket(carol, title="Carol's crash"), new_version)
    release = draft(notes="## Fixed")
    services.publish_release(actor=engineer, release_id=release.pk)
    elsewhere = Version.objects.create(product=Product.objects.create(name="Other"), name="1.0")
    services.publish_release(
        actor=engineer,
        release_id=services.create_release(actor=engineer, version=elsewhere, notes="x").pk,
    )
    client = signed_in(bob)

    listing = client.get("/portal/releases/").content.decode()
    assert "Gizmo 2.2" in listing
    assert "Other 1.0" not in listing
    page = client.get(f"/portal/releases/{release.pk}").content.decode()
    assert mine.number in page
    assert "Bob&#x27;s crash" in page
    assert theirs.number not in page
    assert "Carol" not in page


def test_portal_never_shows_a_draft(bob, draft):
    release = draft()
    assert signed_in(bob).get(f"/portal/releases/{release.pk}").status_code == 404


def test_ticket_pages_show_the_versions(make_ticket, alice, bob, product, new_version):
    ticket = make_ticket(bob, product=product)
    fix(alice, ticket, new_version)
    desk = signed_in(alice).get(f"/tickets/{ticket.number}").content.decode()
    assert 'name="fixed_in_version"' in desk
    assert "Affected version" in desk
    portal = signed_in(bob).get(f"/portal/tickets/{ticket.number}").content.decode()
    assert "Fixed in</dt><dd>2.2" in portal


def test_the_queue_filters_by_fixed_in_version(make_ticket, alice, bob, new_version):
    fixed = fix(alice, make_ticket(alice, title="Fixed one"), new_version)
    make_ticket(alice, title="Other one")
    page = (
        signed_in(alice)
        .get("/tickets/", {"view": "all", "fixed_in_version": new_version.pk})
        .content.decode()
    )
    assert fixed.number in page
    assert "Other one" not in page
