"""The agent's ticket page: what it shows, who may change what, conflicts and refusals."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sustain.core.uploads import Upload
from sustain.tickets import creation, panels, services
from sustain.tickets.choices import LinkKind, Status
from sustain.tickets.linking import link_tickets
from sustain.tickets.models import Activity, Attachment, Message, Ticket
from sustain.tickets.panels import Panel

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def url(ticket: Ticket, suffix: str = "") -> str:
    return f"/tickets/{ticket.number}{suffix}"


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def edit(client, ticket: Ticket, field: str, revision: int | None = None, **data):
    data.setdefault("revision", revision or fresh(ticket).revision)
    return client.post(url(ticket, f"/edit/{field}"), data, **HTMX)


# --- the page -----------------------------------------------------------------------------
def test_page_shows_replies_notes_events_and_files(client, alice, bob, bobs_ticket):
    services.add_message(actor=alice, ref=bobs_ticket.pk, body="Looking into it.")
    services.add_message(
        actor=alice, ref=bobs_ticket.pk, body="Logs show a timeout.", internal=True
    )
    services.add_message(
        actor=bob,
        ref=bobs_ticket.pk,
        body="Here is the log.",
        attachments=[Upload(filename="sync.log", content=b"timeout at 02:00")],
    )
    client.force_login(alice)
    response = client.get(url(bobs_ticket))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'aria-label="Ticket opened by Bob"' in html
    assert 'aria-label="Internal note from Alice"' in html
    assert "Internal note</span>" in html
    assert 'aria-label="Reply from Bob"' in html
    assert "changed status from New to Open" in html
    attachment = Attachment.objects.get()
    assert f'href="/tickets/attachments/{attachment.pk}"' in html
    assert f"/tickets/?view=all&amp;requester={bob.pk}" in html
    assert 'id="ticket-sla"' not in html  # no SLA policy applies


def test_the_side_panel_shows_the_sla_clocks_of_the_ticket(client, alice, bob, support):
    from sustain.sla.engine import forget_policies
    from sustain.sla.models import SlaPolicy, SlaTarget
    from sustain.tickets.creation import NewTicket, create_ticket

    forget_policies()
    policy = SlaPolicy.objects.create(name="Standard", position=10)
    SlaTarget.objects.bulk_create(
        SlaTarget(policy=policy, priority=p, first_response_minutes=60, resolution_minutes=480)
        for p in (1, 2, 3, 4)
    )
    ticket = create_ticket(actor=bob, data=NewTicket(title="Down", description="All of it"))
    client.force_login(alice)
    html = client.get(url(ticket)).content.decode()
    assert 'id="ticket-sla"' in html
    assert 'class="sla-clock sla-ok"' in html
    assert "First response" in html


def test_a_panel_another_app_registers_shows_in_its_column_and_after_a_change(
    client, alice, bobs_ticket, settings, tmp_path, monkeypatch
):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "fixes_panel.html").write_text(
        '<section id="fixes"><h2>{{ title }}</h2><p>{{ panel.fix }}</p></section>'
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [templates]}]
    monkeypatch.setattr(panels, "_panels", dict(panels._panels))
    panels.register_panel(
        Panel(
            name="fixes",
            title="Fixed in",
            order=10,
            template="fixes_panel.html",
            context=lambda viewer, ticket: {"fix": f"2.1 fixes {ticket.number}"},
        )
    )
    panels.register_panel(
        Panel("empty", "Nothing here", 20, "fixes_panel.html", lambda viewer, ticket: None)
    )
    client.force_login(alice)

    side = client.get(url(bobs_ticket)).content.decode().split('id="ticket-side"', 1)[1]
    expected = f'<section id="fixes"><h2>Fixed in</h2><p>2.1 fixes {bobs_ticket.number}</p>'
    assert expected in side
    assert "Nothing here" not in side
    assert expected in edit(client, bobs_ticket, "status", status="open").content.decode()


def test_query_count_does_not_grow_with_the_conversation(client, alice, bob, bobs_ticket, support):
    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url(bobs_ticket)).status_code == 200
        return len(captured)

    client.force_login(alice)
    client.get(url(bobs_ticket))
    few = count()
    for i in range(12):
        services.add_message(
            actor=(alice, bob)[i % 2],
            ref=bobs_ticket.pk,
            body=f"message {i}",
            internal=i % 4 == 0,  # alice's messages only
            attachments=[Upload(filename=f"f{i}.txt", content=f"file {i}".encode())],
        )
        services.update_ticket(actor=alice, ref=bobs_ticket.pk, changes={"tags": [f"t{i}"]})
    link_tickets(
        actor=alice, source_ref=bobs_ticket.pk, target_ref=_other(alice).pk, kind="related"
    )
    many = count()
    assert many == few or many == few + 1  # the link titles are read only when links exist
    assert many <= 20


def _other(alice) -> Ticket:
    return creation.create_ticket(
        actor=alice, data=creation.NewTicket(title="Other", description="Another one.")
    )


def test_fragments_use_a_fixed_number_of_queries(
    client, alice, bob, bobs_ticket, django_assert_max_num_queries
):
    for i in range(5):
        services.add_message(actor=bob, ref=bobs_ticket.pk, body=f"more {i}")
    client.force_login(alice)
    ticket = fresh(bobs_ticket)
    with django_assert_max_num_queries(4):
        response = client.get(url(ticket, "/poll"), {"revision": ticket.revision, "seen": 0})
    assert response.status_code == 204
    # The service's own queries (SLA hooks, notifications) plus the page regions.
    with django_assert_max_num_queries(40):
        assert edit(client, ticket, "tags", tags="db sync").status_code == 200


def test_viewer_sees_no_controls_and_cannot_change(client, viewer, support, bobs_ticket):
    support.members.add(viewer)
    client.force_login(viewer)
    html = client.get(url(bobs_ticket)).content.decode()
    assert 'id="composer"' not in html
    assert 'id="field-status"' not in html
    assert "Assign to me" not in html
    response = edit(client, bobs_ticket, "status", status=Status.OPEN)
    assert response.status_code == 403
    reply = client.post(url(bobs_ticket, "/messages"), {"mode": "reply", "body": "hi"}, **HTMX)
    assert reply.status_code == 403
    assert fresh(bobs_ticket).status == Status.NEW
    assert Message.objects.count() == 1


def test_customer_is_sent_to_the_portal(client, bob, bobs_ticket):
    client.force_login(bob)
    response = client.get(url(bobs_ticket))
    assert response.status_code == 302
    assert response["Location"] == f"/portal/tickets/{bobs_ticket.number}"


def test_customers_cannot_post_to_agent_endpoints(client, bob, bobs_ticket):
    client.force_login(bob)
    response = client.post(url(bobs_ticket, "/messages"), {"mode": "note", "body": "x"})
    assert response.status_code == 302
    assert Message.objects.count() == 1


def test_agent_of_another_team_gets_404(client, dave, platform, bobs_ticket):
    client.force_login(dave)
    assert client.get(url(bobs_ticket)).status_code == 404
    assert edit(client, bobs_ticket, "status", revision=1, status="open").status_code == 404
    gone = client.get(url(bobs_ticket, "/poll"), {"revision": 1})
    assert gone.status_code == 200
    assert "You can no longer see" in gone.content.decode()
    assert (
        client.post(url(bobs_ticket, "/messages"), {"mode": "reply", "body": "x"}).status_code
        == 404
    )


def test_unknown_ticket_is_404(client, alice):
    client.force_login(alice)
    assert client.get("/tickets/SUS-999999").status_code == 404


def test_anonymous_visitor_signs_in_first(client, bobs_ticket):
    assert client.get(url(bobs_ticket))["Location"].startswith("/accounts/login/")


# --- composer -----------------------------------------------------------------------------
def test_reply_with_file_swaps_the_timeline_and_resets_the_composer(client, alice, bobs_ticket):
    client.force_login(alice)
    upload = SimpleUploadedFile("report.txt", b"all good", content_type="text/plain")
    response = client.post(
        url(bobs_ticket, "/messages"),
        {"mode": "reply", "body": "Fixed.", "files": [upload]},
        **HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="ticket-timeline"' in html
    assert 'hx-swap-oob="true"' in html
    assert 'id="composer"' in html
    message = Message.objects.latest("id")
    assert (message.body, message.is_internal) == ("Fixed.", False)
    assert message.attachments.get().filename == "report.txt"
    assert fresh(bobs_ticket).status == Status.OPEN


def test_note_is_internal(client, alice, bobs_ticket):
    client.force_login(alice)
    client.post(url(bobs_ticket, "/messages"), {"mode": "note", "body": "Between us."}, **HTMX)
    assert Message.objects.latest("id").is_internal


def test_blocked_file_type_is_refused_next_to_the_composer(client, alice, bobs_ticket):
    client.force_login(alice)
    upload = SimpleUploadedFile("tool.exe", b"MZ...", content_type="application/octet-stream")
    response = client.post(
        url(bobs_ticket, "/messages"),
        {"mode": "reply", "body": "See file", "files": [upload]},
        **HTMX,
    )
    assert response.status_code == 422
    assert response["HX-Retarget"] == "#composer-errors"
    assert ".exe are not accepted" in response.content.decode()
    assert Message.objects.count() == 1
    assert not Attachment.objects.exists()


def test_too_large_file_is_refused(client, alice, bobs_ticket, settings):
    settings.SUSTAIN_ATTACHMENT_MAX_BYTES = 1024
    client.force_login(alice)
    upload = SimpleUploadedFile("big.bin", b"x" * 2048)
    response = client.post(
        url(bobs_ticket, "/messages"), {"mode": "reply", "body": "big", "files": [upload]}, **HTMX
    )
    assert response.status_code == 413
    assert "the limit is 1024 bytes" in response.content.decode()
    assert Message.objects.count() == 1


def test_empty_message_without_htmx_keeps_the_draft_mode(client, alice, bobs_ticket):
    client.force_login(alice)
    response = client.post(url(bobs_ticket, "/messages"), {"mode": "note", "body": "  "})
    assert response.status_code == 422
    assert "Write a message or attach a file." in response.content.decode()
    assert "Add internal note" in response.content.decode()


def test_bad_mode_is_refused(client, alice, bobs_ticket):
    client.force_login(alice)
    response = client.post(url(bobs_ticket, "/messages"), {"mode": "shout", "body": "x"}, **HTMX)
    assert response.status_code == 422
    assert Message.objects.count() == 1


# --- fields -------------------------------------------------------------------------------
def test_status_offers_only_allowed_transitions(client, alice, bobs_ticket):
    services.update_ticket(actor=alice, ref=bobs_ticket.pk, changes={"status": Status.RESOLVED})
    client.force_login(alice)
    html = client.get(url(bobs_ticket)).content.decode()
    select = html.split('id="field-status"')[1].split("</select>")[0]
    assert 'value="open"' in select
    assert 'value="closed"' in select
    assert 'value="pending_customer"' not in select


def test_status_change_and_refused_transition(client, alice, bobs_ticket):
    client.force_login(alice)
    response = edit(client, bobs_ticket, "status", status=Status.PENDING_CUSTOMER)
    assert response.status_code == 200
    assert fresh(bobs_ticket).status == Status.PENDING_CUSTOMER
    services.update_ticket(actor=alice, ref=bobs_ticket.pk, changes={"status": Status.CLOSED})
    refused = edit(client, bobs_ticket, "status", status=Status.PENDING_CUSTOMER)
    assert refused.status_code == 409
    assert refused["HX-Retarget"] == "#error-status"
    assert fresh(bobs_ticket).status == Status.CLOSED


def test_priority_override_needs_a_reason(client, alice, bobs_ticket):
    client.force_login(alice)
    refused = edit(client, bobs_ticket, "priority", priority=1, reason="")
    assert refused.status_code == 422
    assert "reason" in refused.content.decode().lower()
    assert fresh(bobs_ticket).priority == 3
    assert edit(client, bobs_ticket, "priority", priority=1, reason="CEO").status_code == 200
    ticket = fresh(bobs_ticket)
    assert (ticket.priority, ticket.priority_override_reason) == (1, "CEO")
    assert edit(client, bobs_ticket, "priority", priority="").status_code == 200
    assert fresh(bobs_ticket).priority == 3


def test_assign_to_me_and_to_someone_outside_the_team(client, alice, lead, bobs_ticket):
    client.force_login(alice)
    html = client.get(url(bobs_ticket)).content.decode()
    assert "Assign to me" in html
    assert edit(client, bobs_ticket, "assignee", assignee=alice.pk).status_code == 200
    assert fresh(bobs_ticket).assignee == alice
    refused = edit(client, bobs_ticket, "assignee", assignee=lead.pk)
    assert refused.status_code == 422
    assert "not a member" in refused.content.decode()
    assert fresh(bobs_ticket).assignee == alice


def test_team_catalogue_and_tags(client, alice, bobs_ticket, platform, product):
    client.force_login(alice)
    component = product.components.get()
    version = product.versions.get()
    assert edit(client, bobs_ticket, "tags", tags="sync, nightly  db").status_code == 200
    assert sorted(t.name for t in fresh(bobs_ticket).tags.all()) == ["db", "nightly", "sync"]
    response = edit(
        client,
        bobs_ticket,
        "catalogue",
        product=product.pk,
        component=component.pk,
        version=version.pk,
    )
    assert response.status_code == 200
    assert fresh(bobs_ticket).version == version
    assert edit(client, bobs_ticket, "team", team=platform.pk).status_code == 204  # out of view
    assert fresh(bobs_ticket).team == platform


def test_bad_input_is_refused_without_writing(client, alice, bobs_ticket):
    client.force_login(alice)
    before = fresh(bobs_ticket).revision
    assert edit(client, bobs_ticket, "status", status="sleeping").status_code == 422
    assert edit(client, bobs_ticket, "team", team=987654).status_code == 422
    response = client.post(url(bobs_ticket, "/edit/status"), {"status": "open"}, **HTMX)
    assert response.status_code == 422  # no revision
    assert client.post(url(bobs_ticket, "/edit/title"), {"revision": 1}).status_code == 404
    assert fresh(bobs_ticket).revision == before


def test_without_htmx_a_change_redirects_back_to_the_page(client, alice, bobs_ticket):
    client.force_login(alice)
    response = client.post(
        url(bobs_ticket, "/edit/status"), {"status": "open", "revision": bobs_ticket.revision}
    )
    assert response.status_code == 302
    assert response["Location"] == url(bobs_ticket)
    refused = client.post(url(bobs_ticket, "/edit/status"), {"status": "x", "revision": 2})
    assert refused.status_code == 302
    assert "not one of" in client.get(url(bobs_ticket)).content.decode()


# --- conflicts and polling ----------------------------------------------------------------
def test_stale_edit_shows_who_changed_what_and_is_not_applied(client, alice, lead, bobs_ticket):
    client.force_login(alice)
    stale = fresh(bobs_ticket).revision
    seen = Activity.objects.filter(ticket=bobs_ticket).latest("id").pk
    services.update_ticket(actor=lead, ref=bobs_ticket.pk, changes={"status": Status.OPEN})
    response = client.post(
        url(bobs_ticket, "/edit/tags"), {"revision": stale, "seen": seen, "tags": "mine"}, **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 409
    assert response["HX-Retarget"] == "#ticket-conflict"
    assert "Lead</strong> changed status from New to Open" in html
    assert "not saved" in html
    assert not fresh(bobs_ticket).tags.exists()
    # The offer to apply it anyway carries the current revision and the same change.
    current = fresh(bobs_ticket).revision
    assert f'name="revision" value="{current}"' in html
    assert 'name="tags" value="mine"' in html
    assert edit(client, bobs_ticket, "tags", revision=current, tags="mine").status_code == 200
    assert [t.name for t in fresh(bobs_ticket).tags.all()] == ["mine"]


def test_two_quick_edits_of_one_agent_do_not_conflict(client, alice, bobs_ticket):
    client.force_login(alice)
    stale = fresh(bobs_ticket).revision
    seen = Activity.objects.filter(ticket=bobs_ticket).latest("id").pk
    first = {"revision": stale, "seen": seen, "status": "open"}
    assert client.post(url(bobs_ticket, "/edit/status"), first, **HTMX).status_code == 200
    second = {"revision": stale, "seen": seen, "tags": "quick"}
    assert client.post(url(bobs_ticket, "/edit/tags"), second, **HTMX).status_code == 200
    ticket = fresh(bobs_ticket)
    assert ticket.status == Status.OPEN
    assert [t.name for t in ticket.tags.all()] == ["quick"]


def test_stale_edit_without_htmx_renders_the_page_with_the_conflict(
    client, alice, lead, bobs_ticket
):
    client.force_login(alice)
    stale = fresh(bobs_ticket).revision
    services.update_ticket(actor=lead, ref=bobs_ticket.pk, changes={"status": Status.OPEN})
    response = client.post(
        url(bobs_ticket, "/edit/status"), {"revision": stale, "status": "closed"}
    )
    assert response.status_code == 409
    assert "was changed meanwhile" in response.content.decode()
    assert fresh(bobs_ticket).status == Status.OPEN


def test_poll_is_silent_until_someone_changes_the_ticket(client, alice, lead, bobs_ticket):
    client.force_login(alice)
    ticket = fresh(bobs_ticket)
    seen = Activity.objects.filter(ticket=ticket).latest("id").pk
    params = {"revision": ticket.revision, "seen": seen}
    assert client.get(url(ticket, "/poll"), params).status_code == 204
    services.update_ticket(actor=lead, ref=ticket.pk, changes={"assignee": alice})
    response = client.get(url(ticket, "/poll"), params)
    html = response.content.decode()
    assert response.status_code == 200
    assert "was changed by Lead" in html
    assert "Reload" in html
    assert client.get(url(ticket, "/poll"), {"revision": "x"}).status_code == 400
    refreshed = client.get(url(ticket, "/refresh"), **HTMX)
    assert refreshed.status_code == 200
    assert 'id="ticket-side"' in refreshed.content.decode()
    assert 'id="composer"' not in refreshed.content.decode()
    assert client.get(url(ticket, "/refresh"))["Location"] == url(ticket)


# --- watchers, links, merge, downloads ----------------------------------------------------
def test_watch_and_unwatch(client, alice, bob_colleague, bobs_ticket):
    client.force_login(alice)
    post = {"user": alice.pk, "action": "add"}
    assert client.post(url(bobs_ticket, "/watchers"), post, **HTMX).status_code == 200
    post = {"user": bob_colleague.pk, "action": "add"}
    assert client.post(url(bobs_ticket, "/watchers"), post, **HTMX).status_code == 200
    assert set(fresh(bobs_ticket).watchers.all()) == {alice, bob_colleague}
    post = {"user": alice.pk, "action": "remove"}
    assert client.post(url(bobs_ticket, "/watchers"), post, **HTMX).status_code == 200
    assert list(fresh(bobs_ticket).watchers.all()) == [bob_colleague]


def test_customer_of_another_organisation_cannot_watch(client, alice, carol, bobs_ticket):
    client.force_login(alice)
    response = client.post(
        url(bobs_ticket, "/watchers"), {"user": carol.pk, "action": "add"}, **HTMX
    )
    assert response.status_code == 422
    assert "another organisation" in response.content.decode()
    assert not fresh(bobs_ticket).watchers.exists()


def test_link_and_unlink(client, alice, bobs_ticket):
    other = _other(alice)
    client.force_login(alice)
    data = {"kind": LinkKind.BLOCKS, "target": other.number}
    assert client.post(url(bobs_ticket, "/links"), data, **HTMX).status_code == 200
    html = client.get(url(bobs_ticket)).content.decode()
    assert f'blocks <a href="/tickets/{other.number}">' in html
    again = client.post(url(bobs_ticket, "/links"), data, **HTMX)
    assert again.status_code == 409
    link = bobs_ticket.links_out.get()
    assert client.post(url(bobs_ticket, f"/links/{link.pk}/remove"), **HTMX).status_code == 200
    assert not bobs_ticket.links_out.exists()


def test_link_to_unknown_or_foreign_link_is_refused(client, alice, bobs_ticket):
    client.force_login(alice)
    response = client.post(
        url(bobs_ticket, "/links"), {"kind": "related", "target": "SUS-9999"}, **HTMX
    )
    assert response.status_code == 404
    assert response["HX-Retarget"] == "#error-links"
    other, third = _other(alice), _other(alice)
    link = link_tickets(actor=alice, source_ref=other.pk, target_ref=third.pk, kind="related")
    assert client.post(url(bobs_ticket, f"/links/{link.pk}/remove"), **HTMX).status_code == 404


def test_merge_into_another_ticket(client, alice, bob, bobs_ticket, make_ticket):
    target = make_ticket(bob, title="Same problem")
    client.force_login(alice)
    response = client.post(url(bobs_ticket, "/merge"), {"target": target.number}, **HTMX)
    assert response.status_code == 200
    assert fresh(bobs_ticket).merged_into == target
    assert "Merged into" in response.content.decode()
    assert '<div id="composer" hx-swap-oob="delete">' in response.content.decode()
    assert 'id="composer"' not in client.get(url(bobs_ticket)).content.decode()
    refused = client.post(url(target, "/merge"), {"target": target.number}, **HTMX)
    assert refused.status_code == 422


def test_attachment_download_is_checked_and_safe(client, alice, dave, platform, bob, bobs_ticket):
    message = services.add_message(
        actor=bob,
        ref=bobs_ticket.pk,
        body="page",
        attachments=[Upload(filename="x.html", content=b"<script>alert(1)</script>")],
    )
    attachment = message.attachments.get()
    client.force_login(alice)
    response = client.get(f"/tickets/attachments/{attachment.pk}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert "attachment" in response["Content-Disposition"]
    client.force_login(dave)
    assert client.get(f"/tickets/attachments/{attachment.pk}").status_code == 404


def test_catalogue_choices_are_grouped_by_product_newest_version_first(
    client, alice, bobs_ticket, product
):
    from datetime import date

    from sustain.catalog.models import Version
    from sustain.factories import make_product

    # In the order of the product's scheme, not by release date: 1.9.1 is a backport
    # released after 1.10.
    other = make_product("Another", versions=["1.9", "1.10", "1.9.1"])
    Version.objects.filter(product=other, name="1.10").update(released_on=date(2025, 1, 1))
    Version.objects.filter(product=other, name="1.9.1").update(released_on=date(2026, 1, 1))
    client.force_login(alice)
    html = client.get(url(bobs_ticket)).content.decode()
    versions = html.split('id="field-version"')[1].split("</select>")[0]
    assert versions.index('label="Another"') < versions.index('label="Gizmo"')
    assert versions.index(">1.10<") < versions.index(">1.9.1<") < versions.index(">1.9<")
    components = html.split('id="field-component"')[1].split("</select>")[0]
    assert '<optgroup label="Gizmo"><option value="' in components


def test_a_long_history_is_capped_with_a_way_to_see_all(client, alice, bobs_ticket, monkeypatch):
    monkeypatch.setattr("sustain.desk.views.ticket.TIMELINE_LIMIT", 2)
    for i in range(3):
        services.add_message(actor=alice, ref=bobs_ticket.pk, body=f"step {i}", internal=True)
    client.force_login(alice)
    capped = client.get(url(bobs_ticket)).content.decode()
    assert "Show the whole history" in capped
    assert "step 0" not in capped
    full = client.get(url(bobs_ticket), {"history": "all"}).content.decode()
    assert "step 0" in full
    assert "Show the whole history" not in full


def test_quoted_history_of_a_mailed_reply_is_folded(client, alice, bob, bobs_ticket):
    from sustain.tickets.services import add_message

    add_message(
        actor=bob,
        ref=bobs_ticket.pk,
        channel="email",
        body="Yes, 2.1.3 fixes it.\n\nOn Mon, 3 Nov 2026, Alice wrote:\n> Please try 2.1.3.\n",
    )
    client.force_login(alice)
    html = client.get(url(bobs_ticket)).content.decode()
    assert "Yes, 2.1.3 fixes it." in html
    assert "<summary>Quoted text and signature</summary>" in html
    assert html.index("Yes, 2.1.3 fixes it.") < html.index("Quoted text and signature")
