"""Rollouts through the API: plan, approve through the tickets API, move, read, the rate;
refusals are problem documents."""

from __future__ import annotations

import pytest

from sustain.releases.rollouts.choices import RolloutStatus as S

PROBLEM = "application/problem+json"


def _post(client, url, body):
    return client.post(url, body, content_type="application/json")


@pytest.fixture
def planned(api_client, engineer, acme, v43, running):
    answer = _post(
        api_client(engineer),
        "/api/v1/rollouts",
        {
            "organisation_id": acme.pk,
            "version_id": v43.pk,
            "planned_start": "2026-12-10T20:00:00Z",
            "note": "Night window",
        },
    )
    assert answer.status_code == 201, answer.content
    return answer.json()


def test_plan_approve_start_finish(api_client, planned, engineer, lead):
    assert planned["status"] == "planned"
    assert planned["from_version"]["name"] == "4.2.0"
    ticket = planned["change_ticket"]
    assert ticket == {
        "number": ticket["number"],
        "title": "Roll out Gizmo 4.3.0 to Acme (production)",
        "approval": None,
    }
    client = api_client(engineer)
    url = f"/api/v1/rollouts/{planned['id']}/transitions"

    refused = _post(client, url, {"status": "in_progress"})
    assert refused.status_code == 409
    assert refused["Content-Type"] == PROBLEM
    assert "change_ticket" in refused.json()["errors"]

    approved = _post(
        api_client(lead), f"/api/v1/tickets/{ticket['number']}/approvals", {"decision": "approved"}
    )
    assert approved.status_code == 201
    assert _post(client, url, {"status": "in_progress"}).json()["status"] == "in_progress"
    done = _post(client, url, {"status": "done"}).json()
    assert done["status"] == "done"
    assert done["change_ticket"]["approval"] == "approved"
    assert [e["to_status"] for e in done["events"]] == ["planned", "in_progress", "done"]
    deployments = client.get("/api/v1/deployments").json()["items"]
    assert [d["version"]["name"] for d in deployments] == ["4.3.0"]
    assert deployments[0]["channel"] == "rollout"


def test_list_filters_and_customers_see_their_own(api_client, planned, bob, carol, gizmo):
    items = api_client(bob).get("/api/v1/rollouts").json()["items"]
    assert [(r["id"], r["note"]) for r in items] == [(planned["id"], "")]  # notes are staff's
    detail = api_client(bob).get(f"/api/v1/rollouts/{planned['id']}").json()
    assert {e["note"] for e in detail["events"]} == {""}
    assert api_client(carol).get("/api/v1/rollouts").json()["items"] == []
    assert api_client(carol).get(f"/api/v1/rollouts/{planned['id']}").status_code == 404
    client = api_client(bob)
    assert client.get("/api/v1/rollouts?status=done").json()["items"] == []
    assert len(client.get(f"/api/v1/rollouts?product_id={gizmo.pk}").json()["items"]) == 1
    assert client.get("/api/v1/rollouts?status=paused").status_code == 422


def test_a_customer_cannot_move_a_rollout(api_client, planned, bob):
    url = f"/api/v1/rollouts/{planned['id']}/transitions"
    answer = _post(api_client(bob), url, {"status": "cancelled"})
    assert answer.status_code == 403
    assert answer["Content-Type"] == PROBLEM


def test_illegal_transition_and_missing_reason(api_client, planned, engineer):
    client = api_client(engineer)
    url = f"/api/v1/rollouts/{planned['id']}/transitions"
    illegal = _post(client, url, {"status": "done"})
    assert illegal.status_code == 409
    assert "status" in illegal.json()["errors"]
    assert _post(client, url, {"status": "cancelled"}).json()["status"] == "cancelled"
    assert _post(client, url, {"status": "in_progress"}).status_code == 409


def test_plan_refusals_name_the_field(api_client, engineer, acme, v43, globex, carol):
    client = api_client(engineer)
    base = {"organisation_id": acme.pk, "version_id": v43.pk, "planned_start": "2026-12-10T20:00Z"}
    cases = {
        "version_id": {**base, "version_id": 999_999},
        "planned_start": {**base, "planned_start": "2026-12-10T20:00:00"},
        "environment": {**base, "environment": "moon"},
        "change_ticket": {**base, "change_ticket": "SUS-424242"},
    }
    for field, body in cases.items():
        answer = _post(client, "/api/v1/rollouts", body)
        assert answer.status_code == 422, (field, answer.content)
        assert answer["Content-Type"] == PROBLEM
        assert field in str(answer.json()["errors"]), field
    # Another organisation's customer cannot plan, and does not learn that Acme exists.
    assert _post(api_client(carol), "/api/v1/rollouts", base).status_code == 422


def test_change_failure_rate(api_client, planned, engineer, lead, make_rollout, approve, move):
    rollout = make_rollout(environment="staging")
    approve(rollout)
    move(rollout, S.IN_PROGRESS)
    move(rollout, S.ROLLED_BACK, "Broke.")

    rates = api_client(lead).get("/api/v1/rollouts/change-failure-rate").json()
    assert rates["overall"] == {
        "product": None,
        "done": 0,
        "rolled_back": 1,
        "finished": 1,
        "rate": 1.0,
    }
    assert rates["per_product"][0]["product"]["name"] == "Gizmo"
    empty = api_client(lead).get(
        "/api/v1/rollouts/change-failure-rate?since=2020-01-01T00:00Z&until=2020-02-01T00:00Z"
    )
    assert empty.json()["overall"]["rate"] is None
    backwards = api_client(lead).get(
        "/api/v1/rollouts/change-failure-rate?since=2020-02-01T00:00Z&until=2020-01-01T00:00Z"
    )
    assert backwards.status_code == 422


def test_the_list_reads_a_fixed_number_of_queries(
    api_client, lead, make_rollout, approve, django_assert_max_num_queries
):
    for environment in ("production", "staging", "test"):
        approve(make_rollout(environment=environment))
    client = api_client(lead)
    with django_assert_max_num_queries(4):
        answer = client.get("/api/v1/rollouts")
    assert len(answer.json()["items"]) == 3
