"""The upgrade API: edges in and out with problem details for every refusal, and a
deployment's upgrade path for whoever may read the deployment."""

from __future__ import annotations

import json

import pytest

from sustain.releases.deployments.choices import DeploymentChannel
from sustain.releases.deployments.services import set_deployment
from sustain.releases.upgrades.models import UpgradeEdge

V1 = "/api/v1"
PROBLEM = "application/problem+json"


def send(client, method, path, body=None):
    return getattr(client, method)(
        f"{V1}{path}", json.dumps(body) if body is not None else None,
        content_type="application/json",
    )  # fmt: skip


def test_engineer_adds_an_upgrade(api_client, engineer, gizmo, v):
    response = send(
        api_client(engineer),
        "post",
        f"/products/{gizmo.pk}/upgrade-edges",
        {
            "from_version_id": v["1.10.0"].pk,
            "to_version_id": v["2.0.0"].pk,
            "steps": ["Back up", "Migrate"],
            "breaking_changes": "No more `--legacy`.",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["from_version"]["name"] == "1.10.0"
    assert body["to_version"]["name"] == "2.0.0"
    assert body["steps"] == ["Back up", "Migrate"]
    assert body["supported"] is True


@pytest.mark.parametrize(
    ("source", "target", "field", "words"),
    [
        ("2.0.0", "1.10.0", "to_version_id", "comes before"),
        ("1.10.0", "1.9.0", "to_version_id", "cycle"),
        ("2.0.0", "2.0.0", "to_version_id", "to itself"),
    ],
)
def test_backward_and_looping_upgrades_are_422(
    api_client, engineer, gizmo, v, source, target, field, words
):
    response = send(
        api_client(engineer),
        "post",
        f"/products/{gizmo.pk}/upgrade-edges",
        {"from_version_id": v[source].pk, "to_version_id": v[target].pk},
    )
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    assert words in response.json()["errors"][field][0] or words in response.json()["detail"]


def test_a_duplicate_is_409_and_unknown_or_foreign_versions_are_422(
    api_client, engineer, gizmo, v, upgrade
):
    from sustain.factories import make_product

    upgrade("2.0.0", "2.1.0")
    client = api_client(engineer)
    path = f"/products/{gizmo.pk}/upgrade-edges"
    duplicate = send(
        client, "post", path, {"from_version_id": v["2.0.0"].pk, "to_version_id": v["2.1.0"].pk}
    )
    assert duplicate.status_code == 409
    assert duplicate["Content-Type"] == PROBLEM
    unknown = send(
        client, "post", path, {"from_version_id": 987654, "to_version_id": v["2.1.0"].pk}
    )
    assert unknown.status_code == 422
    assert "from_version_id" in unknown.json()["errors"]
    foreign = make_product("Widget", versions=["9.0"]).versions.get()
    other = send(
        client, "post", path, {"from_version_id": v["2.0.0"].pk, "to_version_id": foreign.pk}
    )
    assert other.status_code == 422
    assert "to_version_id" in other.json()["errors"]
    missing = send(
        client, "post", "/products/987654/upgrade-edges", {"from_version_id": 1, "to_version_id": 2}
    )
    assert missing.status_code == 404


def test_agents_and_customers_read_but_may_not_change(api_client, alice, bob, gizmo, v, upgrade):
    edge = upgrade("2.0.0", "2.1.0")
    for user in (alice, bob):
        client = api_client(user)
        listed = send(client, "get", f"/products/{gizmo.pk}/upgrade-edges")
        assert listed.status_code == 200
        assert [e["id"] for e in listed.json()["items"]] == [edge.pk]
        refused = send(
            client,
            "post",
            f"/products/{gizmo.pk}/upgrade-edges",
            {"from_version_id": v["1.9.0"].pk, "to_version_id": v["2.0.0"].pk},
        )
        assert refused.status_code == 403
        assert send(client, "delete", f"/upgrade-edges/{edge.pk}").status_code == 403
    assert send(api_client(None), "get", f"/upgrade-edges/{edge.pk}").status_code == 401


def test_patch_changes_content_and_refuses_the_versions(api_client, engineer, v, upgrade):
    edge = upgrade("2.0.0", "2.1.0")
    client = api_client(engineer)
    changed = send(
        client, "patch", f"/upgrade-edges/{edge.pk}", {"supported": False, "steps": ["A"]}
    )
    assert changed.status_code == 200
    assert (changed.json()["supported"], changed.json()["steps"]) == (False, ["A"])
    moved = send(client, "patch", f"/upgrade-edges/{edge.pk}", {"to_version_id": v["3.0.0"].pk})
    assert moved.status_code == 422
    null = send(client, "patch", f"/upgrade-edges/{edge.pk}", {"supported": None})
    assert null.status_code == 422
    assert send(client, "get", "/upgrade-edges/987654").status_code == 404
    assert send(client, "delete", f"/upgrade-edges/{edge.pk}").status_code == 204
    assert not UpgradeEdge.objects.exists()


@pytest.fixture
def acme_on_1_10(alice, acme, v):
    return set_deployment(
        actor=alice, organisation=acme, version=v["1.10.0"], channel=DeploymentChannel.STAFF
    ).deployment


def test_a_deployments_upgrade_path(api_client, bob, acme_on_1_10, upgrade):
    upgrade("1.10.0", "2.0.0", steps=["Migrate"], breaking_changes="Flags renamed.")
    upgrade("2.0.0", "2.1.0")
    response = send(api_client(bob), "get", f"/deployments/{acme_on_1_10.pk}/upgrade-path")
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "upgrade"
    assert body["target"] == {
        "version": {"id": body["target"]["version"]["id"], "name": "2.1.0"},
        "release_line": "2.x",
    }
    assert [(s["from_version"]["name"], s["to_version"]["name"]) for s in body["steps"]] == [
        ("1.10.0", "2.0.0"),
        ("2.0.0", "2.1.0"),
    ]
    assert body["steps"][0]["breaking_changes"] == "Flags renamed."
    assert body["support"]["label"] == "End of life in 30 days"
    assert body["support"]["days_to_eol"] == 30
    assert body["fix_available"] is None


def test_an_unreachable_path_says_so(api_client, alice, acme_on_1_10):
    body = send(api_client(alice), "get", f"/deployments/{acme_on_1_10.pk}/upgrade-path").json()
    assert body["state"] == "unreachable"
    assert body["steps"] == []
    assert body["summary"].startswith("Unreachable")


def test_another_organisations_deployment_path_is_404(api_client, carol, acme_on_1_10):
    response = send(api_client(carol), "get", f"/deployments/{acme_on_1_10.pk}/upgrade-path")
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
