"""The deployments API: lists and filters, set and remove, history, and who sees what."""

from __future__ import annotations

import json

import pytest

from sustain.accounts.models import AuditEntry
from sustain.releases.deployments.choices import DeploymentChannel as Channel
from sustain.releases.deployments.models import Deployment, DeploymentChange
from sustain.releases.deployments.services import set_deployment

V1 = "/api/v1"


def post(client, path, body):
    return client.post(f"{V1}{path}", json.dumps(body), content_type="application/json")


@pytest.fixture
def deployed(alice, acme, globex, versions):
    for org, name, env in (
        (acme, "4.1", "production"),
        (acme, "4.2", "staging"),
        (globex, "4.2", "production"),
    ):
        set_deployment(
            actor=alice,
            organisation=org,
            version=versions[name],
            environment=env,
            channel=Channel.STAFF,
        )


def test_agent_sets_a_deployment_through_the_api(api_client, alice, acme, versions):
    response = post(
        api_client(alice),
        "/deployments",
        {"organisation_id": acme.pk, "version_id": versions["4.2"].pk, "note": "ticket SUS-1"},
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["changed"] is True
    assert body["deployment"]["version"]["name"] == "4.2"
    assert body["deployment"]["environment"] == "production"
    assert body["deployment"]["channel"] == "api"
    change = DeploymentChange.objects.get()
    assert (change.channel, change.actor, change.note) == ("api", alice, "ticket SUS-1")


def test_upgrade_answers_200_and_same_version_answers_unchanged(api_client, alice, acme, versions):
    client = api_client(alice)
    post(client, "/deployments", {"organisation_id": acme.pk, "version_id": versions["4.1"].pk})
    upgraded = post(
        client, "/deployments", {"organisation_id": acme.pk, "version_id": versions["4.2"].pk}
    )
    again = post(
        client, "/deployments", {"organisation_id": acme.pk, "version_id": versions["4.2"].pk}
    )

    assert (upgraded.status_code, upgraded.json()["changed"]) == (200, True)
    assert (again.status_code, again.json()["changed"]) == (200, False)
    assert [c.kind for c in DeploymentChange.objects.order_by("id")] == ["set", "upgraded"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"version_id": 999999}, "version_id"),
        ({"environment": "moon"}, "environment"),
        ({"note": "x" * 501}, "note"),
        ({"organisation_id": 999999}, "organisation_id"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_writes_nothing(
    api_client, alice, acme, versions, body, field
):
    payload = {"organisation_id": acme.pk, "version_id": versions["4.1"].pk, **body}
    response = post(api_client(alice), "/deployments", payload)

    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert field in response.json()["errors"]
    assert not Deployment.objects.exists()


def test_customer_admin_sets_own_but_not_another_organisation(
    api_client, acme_admin, acme, globex, versions
):
    client = api_client(acme_admin)
    own = post(
        client, "/deployments", {"organisation_id": acme.pk, "version_id": versions["4.1"].pk}
    )
    other = post(
        client, "/deployments", {"organisation_id": globex.pk, "version_id": versions["4.1"].pk}
    )

    assert own.status_code == 201
    # Globex is not an organisation the customer admin can see: its id is not valid input.
    assert other.status_code == 422
    assert not Deployment.objects.filter(organisation=globex).exists()


def test_customer_reads_but_may_not_set(api_client, bob, acme, versions, deployed):
    client = api_client(bob)
    refused = post(
        client, "/deployments", {"organisation_id": acme.pk, "version_id": versions["4.2"].pk}
    )
    listed = client.get(f"{V1}/deployments")

    assert refused.status_code == 403
    assert {d["organisation"]["name"] for d in listed.json()["items"]} == {"Acme"}


def test_customer_cannot_read_another_organisations_deployment(api_client, carol, acme, deployed):
    acme_row = Deployment.objects.filter(organisation=acme)[0]
    client = api_client(carol)

    assert client.get(f"{V1}/deployments/{acme_row.pk}").status_code == 404
    history = client.get(f"{V1}/deployment-history", {"organisation_id": acme.pk})
    assert history.json()["items"] == []
    assert client.delete(f"{V1}/deployments/{acme_row.pk}").status_code == 404
    assert Deployment.objects.filter(pk=acme_row.pk).exists()


def test_filters_narrow_the_list(api_client, alice, acme, globex, versions, deployed):
    client = api_client(alice)

    def names(**params):
        response = client.get(f"{V1}/deployments", params)
        assert response.status_code == 200, response.content
        return sorted(
            (d["organisation"]["name"], d["version"]["name"], d["environment"])
            for d in response.json()["items"]
        )

    assert names(environment="production") == [
        ("Acme", "4.1", "production"),
        ("Globex", "4.2", "production"),
    ]
    assert names(version_id=versions["4.2"].pk, environment="production") == [
        ("Globex", "4.2", "production")
    ]
    assert names(organisation_id=acme.pk) == [
        ("Acme", "4.1", "production"),
        ("Acme", "4.2", "staging"),
    ]
    assert names(product_id=versions["4.1"].product_id) == names()
    assert client.get(f"{V1}/deployments", {"environment": "moon"}).status_code == 422


def test_the_list_pages_with_a_cursor(api_client, alice, versions):
    from sustain.factories import make_organisation

    for i in range(5):
        set_deployment(
            actor=alice,
            organisation=make_organisation(f"Org {i}"),
            version=versions["4.1"],
            channel=Channel.STAFF,
        )
    client = api_client(alice)
    first = client.get(f"{V1}/deployments", {"limit": 2}).json()
    second = client.get(f"{V1}/deployments", {"limit": 2, "cursor": first["next_cursor"]}).json()

    # In the order they were recorded.
    assert [d["organisation"]["name"] for d in first["items"]] == ["Org 0", "Org 1"]
    assert [d["organisation"]["name"] for d in second["items"]] == ["Org 2", "Org 3"]
    assert client.get(f"{V1}/deployments", {"cursor": "forged"}).status_code == 422


def test_remove_through_the_api_records_the_removal(api_client, alice, acme, deployed):
    row = Deployment.objects.get(organisation=acme, environment="staging")
    response = api_client(alice).delete(f"{V1}/deployments/{row.pk}?note=decommissioned")

    assert response.status_code == 200, response.content
    assert response.json()["kind"] == "removed"
    assert response.json()["from_version"]["name"] == "4.2"
    assert response.json()["note"] == "decommissioned"
    assert not Deployment.objects.filter(pk=row.pk).exists()


def test_history_of_an_organisation_newest_first(api_client, bob, alice, acme, versions, deployed):
    set_deployment(actor=alice, organisation=acme, version=versions["4.10"], channel=Channel.STAFF)
    response = api_client(bob).get(f"{V1}/deployment-history", {"organisation_id": acme.pk})

    assert response.status_code == 200
    items = response.json()["items"]
    assert [(i["kind"], i["to_version"]["name"]) for i in items] == [
        ("upgraded", "4.10"),
        ("set", "4.2"),
        ("set", "4.1"),
    ]
    assert items[0]["from_version"]["name"] == "4.1"
    assert items[0]["actor"]["email"] == alice.email
    only_staging = api_client(bob).get(f"{V1}/deployment-history", {"environment": "staging"})
    assert [i["environment"] for i in only_staging.json()["items"]] == ["staging"]


def test_environments_are_listed(api_client, bob):
    body = api_client(bob).get(f"{V1}/deployment-environments").json()
    assert body == {"environments": ["production", "staging", "test"], "default": "production"}


def test_the_list_reads_a_fixed_number_of_queries(
    api_client, alice, versions, django_assert_max_num_queries
):
    from sustain.factories import make_organisation

    for i in range(30):
        set_deployment(
            actor=alice,
            organisation=make_organisation(f"Org {i:02}"),
            version=versions["4.1"],
            channel=Channel.STAFF,
        )
    client = api_client(alice)
    # The token check, then one query for the page with its related rows.
    with django_assert_max_num_queries(4):
        response = client.get(f"{V1}/deployments", {"limit": 30})
    assert len(response.json()["items"]) == 30


# --- webhooks management ---------------------------------------------------------------------
def test_admin_creates_a_hook_and_sees_its_secret_once(api_client, admin, acme):
    client = api_client(admin)
    created = post(client, "/deployment-hooks", {"name": "GitLab", "organisation_id": acme.pk})

    assert created.status_code == 201, created.content
    body = created.json()
    assert body["secret"].startswith("whsec_")
    assert body["delivery_path"] == f"/api/v1/deployment-hooks/{body['id']}/deliveries"
    listed = client.get(f"{V1}/deployment-hooks").json()
    assert [h["name"] for h in listed] == ["GitLab"]
    assert "secret" not in listed[0]
    entry = AuditEntry.objects.get(action="deployment_hook.created")
    assert body["secret"] not in json.dumps(entry.changes)


def test_customer_admin_creates_hooks_for_their_own_organisation_only(
    api_client, acme_admin, acme, globex
):
    client = api_client(acme_admin)
    own = post(client, "/deployment-hooks", {"name": "Our CI"})
    other = post(client, "/deployment-hooks", {"name": "Their CI", "organisation_id": globex.pk})

    assert own.status_code == 201
    assert own.json()["organisation"]["name"] == "Acme"
    assert other.status_code == 422


@pytest.mark.parametrize("persona", ["bob", "alice", "viewer"])
def test_others_may_not_create_hooks(request, api_client, persona):
    response = post(
        api_client(request.getfixturevalue(persona)), "/deployment-hooks", {"name": "x"}
    )
    assert response.status_code == 403


def test_revoking_a_hook_is_audited(api_client, admin):
    client = api_client(admin)
    hook_id = post(client, "/deployment-hooks", {"name": "CI"}).json()["id"]
    response = client.delete(f"{V1}/deployment-hooks/{hook_id}")

    assert response.status_code == 200
    assert response.json()["revoked_at"] is not None
    assert AuditEntry.objects.filter(action="deployment_hook.revoked").count() == 1


def test_the_list_narrows_to_a_support_phase(api_client, alice, lead, versions, deployed):
    from datetime import date, timedelta

    from sustain.releases import line_services
    from sustain.releases.lifecycle import site_today

    gizmo = versions["4.1"].product
    # 4.1 reaches its end of life today (the day itself counts); 4.2 a day later.
    for name, eol in (("4.1", site_today()), ("4.2", site_today() + timedelta(days=1))):
        line_services.create_line(
            actor=lead,
            product=gizmo,
            data=line_services.LineData(name=name, release_date=date(2025, 1, 1), eol=eol),
        )
    client = api_client(alice)

    def listed(phase: str) -> list[tuple[str, str]]:
        response = client.get(f"{V1}/deployments", {"phase": phase})
        assert response.status_code == 200, response.content
        return sorted(
            (d["organisation"]["name"], d["version"]["name"]) for d in response.json()["items"]
        )

    assert listed("eol") == [("Acme", "4.1")]
    assert listed("active") == [("Acme", "4.2"), ("Globex", "4.2")]
    assert listed("none") == []
    refused = client.get(f"{V1}/deployments", {"phase": "retired"})
    assert refused.status_code == 422
    assert refused["Content-Type"] == "application/problem+json"
    assert "phase" in refused.json()["errors"]


def test_the_phase_filter_reads_a_fixed_number_of_queries(
    api_client, alice, versions, django_assert_max_num_queries
):
    from sustain.factories import make_organisation

    for i in range(30):
        set_deployment(
            actor=alice,
            organisation=make_organisation(f"Org {i:02}"),
            version=versions["4.1" if i % 2 else "4.2"],
            channel=Channel.STAFF,
        )
    client = api_client(alice)
    # The token check, the versions deployed, the lines of their products, the page.
    with django_assert_max_num_queries(6):
        response = client.get(f"{V1}/deployments", {"limit": 30, "phase": "none"})
    assert len(response.json()["items"]) == 30
