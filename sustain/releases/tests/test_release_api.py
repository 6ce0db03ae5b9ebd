"""/api/v1/releases: list, read, create, change, delete, publish."""

from __future__ import annotations

from sustain.core.models import OutboxMessage
from sustain.core.testing import V1, assert_problem, send
from sustain.releases.tests.conftest import fix


def test_engineer_drafts_edits_and_publishes_through_the_api(
    api_client, make_ticket, alice, bob, engineer, new_version
):
    ticket = fix(alice, make_ticket(bob, title="Crash on save"), new_version)
    client = api_client(engineer)

    created = send(client, "post", "/releases", {"version_id": new_version.pk, "kind": "hotfix"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "draft"
    assert body["kind"] == "hotfix"
    assert "- Crash on save" in body["notes"]
    assert body["url"] == ""
    url = f"/releases/{body['id']}"

    patched = send(client, "patch", url, {"notes": "## Fixed\n\n- Crash on save", "revision": 1})
    assert patched.json()["notes_html"].startswith("<h2>Fixed</h2>")
    assert_problem(send(client, "patch", url, {"notes": "x", "revision": 1}), 409)
    assert_problem(send(client, "patch", url, {"notes": None}), 422)

    published = send(client, "post", f"{url}/publish")
    assert published.status_code == 200, published.content
    assert (published.json()["tickets_fixed"], published.json()["people_told"]) == (1, 1)
    again = send(client, "post", f"{url}/publish").json()
    assert again["people_told"] is None
    assert OutboxMessage.objects.filter(idempotency_key__startswith="release:").count() == 1
    assert [t["number"] for t in again["fixed_tickets"]] == [ticket.number]
    assert_problem(send(client, "delete", url), 409)


def test_second_release_of_a_version_is_409_and_unknown_version_422(
    api_client, engineer, new_version
):
    client = api_client(engineer)
    assert send(client, "post", "/releases", {"version_id": new_version.pk}).status_code == 201
    assert_problem(send(client, "post", "/releases", {"version_id": new_version.pk}), 409)
    response = send(client, "post", "/releases", {"version_id": 99999})
    assert "version_id" in assert_problem(response, 422)["errors"]


def test_agents_may_read_but_not_write_releases(api_client, alice, new_version):
    assert_problem(
        send(api_client(alice), "post", "/releases", {"version_id": new_version.pk}), 403
    )


def test_customers_and_anonymous_list_published_releases_only(
    api_client, make_ticket, alice, bob, carol, engineer, new_version, product, draft
):
    from sustain.catalog.models import Version
    from sustain.releases import release_services

    other = Version.objects.create(product=product, name="2.3")
    bobs = fix(alice, make_ticket(bob), new_version)
    fix(alice, make_ticket(carol), new_version)
    published = draft()
    release_services.publish_release(actor=engineer, release_id=published.pk)
    hidden = release_services.create_release(actor=engineer, version=other)

    for client in (api_client(bob), api_client(None)):
        items = client.get(f"{V1}/releases").json()["items"]
        assert [i["id"] for i in items] == [published.pk]
        assert_problem(client.get(f"{V1}/releases/{hidden.pk}"), 404)
    detail = api_client(bob).get(f"{V1}/releases/{published.pk}").json()
    assert [t["number"] for t in detail["fixed_tickets"]] == [bobs.number]
    assert api_client(None).get(f"{V1}/releases/{published.pk}").json()["fixed_tickets"] == []
    assert_problem(api_client(bob).get(f"{V1}/releases/{published.pk}/draft"), 403)
    staff = api_client(engineer).get(f"{V1}/releases").json()["items"]
    assert {i["id"] for i in staff} == {published.pk, hidden.pk}


def test_the_list_walks_pages_with_a_cursor(api_client, engineer, product):
    from sustain.catalog.models import Version
    from sustain.releases import release_services

    for n in range(5):
        version = Version.objects.create(product=product, name=f"3.{n}")
        release_services.create_release(actor=engineer, version=version, notes="x")
    client = api_client(engineer)
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = client.get(f"{V1}/releases", params).json()
        seen += [i["version"]["name"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == ["3.4", "3.3", "3.2", "3.1", "3.0"]
    assert_problem(client.get(f"{V1}/releases", {"cursor": "garbage"}), 422)
