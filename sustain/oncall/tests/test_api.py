"""The on-call API: who is on call, schedules, rotations, overrides, swaps; 4xx as problems."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from sustain.accounts.models import Team, User
from sustain.oncall.models import Rotation

pytestmark = pytest.mark.django_db
V1 = "/api/v1/oncall"
PROBLEM = "application/problem+json"


def post(client, url: str, body: dict[str, Any], method: str = "POST"):
    return client.generic(method, url, json.dumps(body), content_type="application/json")


def rotation_body(team: Team, *members: User, **fields: Any) -> dict[str, Any]:
    return {
        "team_id": team.pk,
        "name": "Primary",
        "time_zone": "Europe/Berlin",
        "handover": "daily",
        "handover_time": "09:00",
        "start_date": "2026-06-01",
        "member_ids": [m.pk for m in members],
    } | fields


def test_a_lead_creates_a_rotation_and_everyone_on_staff_sees_who_is_on_call(
    api_client, lead: User, alice: User, erik: User, support: Team
):
    created = post(api_client(lead), f"{V1}/rotations", rotation_body(support, alice, erik))
    assert created.status_code == 201, created.json()
    assert [m["name"] for m in created.json()["members"]] == ["Alice", "Erik"]

    now = api_client(alice).get(
        f"{V1}/teams/{support.pk}/now", {"at": "2026-06-02T07:00:00Z"}
    )  # 09:00 CEST: erik's first shift starts
    assert now.status_code == 200
    body = now.json()
    assert body["user"]["id"] == erik.pk
    assert body["since"].startswith("2026-06-02T07:00:00")
    assert body["until"].startswith("2026-06-03T07:00:00")
    assert body["next_user"]["id"] == alice.pk

    everyone = api_client(alice).get(f"{V1}/now", {"at": "2026-06-02T07:00:00Z"}).json()
    assert [(row["team"]["name"], row["user"]["id"]) for row in everyone] == [("Support", erik.pk)]


def test_the_schedule_names_the_layer_or_override_of_each_stretch(
    api_client, make_rotation: Callable[..., Rotation], lead, alice, erik, support
):
    rotation = make_rotation([alice])
    override = post(
        api_client(lead),
        f"{V1}/overrides",
        {
            "team_id": support.pk,
            "user_id": erik.pk,
            "starts_at": "2026-06-02T10:00:00Z",
            "ends_at": "2026-06-02T12:00:00Z",
            "reason": "alice at the dentist",
        },
    )
    assert override.status_code == 201
    assert override.json()["replaces"]["id"] == alice.pk
    pieces = (
        api_client(alice)
        .get(
            f"{V1}/teams/{support.pk}/schedule",
            {"start": "2026-06-02T08:00:00Z", "end": "2026-06-02T14:00:00Z"},
        )
        .json()
    )
    assert [(p["user"]["id"], p["source"], p["source_id"]) for p in pieces] == [
        (alice.pk, "layer", rotation.pk),
        (erik.pk, "override", override.json()["id"]),
        (alice.pk, "layer", rotation.pk),
    ]


def test_a_swap_through_the_api(api_client, make_rotation, alice, erik, support):
    make_rotation([alice, erik])
    asked = post(
        api_client(alice),
        f"{V1}/swaps",
        {
            "team_id": support.pk,
            "partner_id": erik.pk,
            "give_start": "2026-06-01T07:00:00Z",
            "give_end": "2026-06-02T07:00:00Z",
            "take_start": "2026-06-02T07:00:00Z",
            "take_end": "2026-06-03T07:00:00Z",
        },
    )
    assert asked.status_code == 201, asked.json()
    url = f"{V1}/swaps/{asked.json()['id']}/decision"
    assert post(api_client(alice), url, {"status": "accepted"}).status_code == 403
    accepted = post(api_client(erik), url, {"status": "accepted"})
    assert accepted.json()["status"] == "accepted"
    again = post(api_client(erik), url, {"status": "declined"})
    assert again.status_code == 409
    assert again["Content-Type"] == PROBLEM
    overrides = (
        api_client(alice)
        .get(f"{V1}/overrides", {"ending_after": "2026-06-01T00:00:00Z"})
        .json()["items"]
    )
    assert {(o["user"]["id"], o["agreed_by"]["id"]) for o in overrides} == {
        (erik.pk, erik.pk),
        (alice.pk, erik.pk),
    }


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"time_zone": "Mars/Olympus"}, 422, "time_zone"),
        ({"handover_time": "09:00+02:00"}, 422, "handover_time"),
        ({"handover": "hourly"}, 422, "handover"),
        ({"member_ids": []}, 422, "member_ids"),
        ({"restriction": "custom", "windows": [{"weekday": 7, "start_minute": 0, "end_minute": 1}]},
         422, "windows.0.weekday"),
        ({"team_id": 999_999}, 422, "team_id"),
    ],
)  # fmt: skip
def test_bad_rotations_are_problems_naming_the_field(
    api_client, lead, alice, support, change, status, field
):
    response = post(api_client(lead), f"{V1}/rotations", rotation_body(support, alice) | change)
    assert response.status_code == status
    assert response["Content-Type"] == PROBLEM
    assert field in response.json()["errors"]


def test_conflicts_and_missing_things_are_problems(api_client, lead, alice, support, bob):
    client = api_client(lead)
    assert post(client, f"{V1}/rotations", rotation_body(support, alice)).status_code == 201
    duplicate = post(client, f"{V1}/rotations", rotation_body(support, alice))
    assert duplicate.status_code == 409
    assert client.get(f"{V1}/rotations/999999").status_code == 404
    assert client.get(f"{V1}/teams/999999/now").status_code == 404
    long = client.get(
        f"{V1}/teams/{support.pk}/schedule",
        {"start": "2026-01-01T00:00:00Z", "end": "2026-12-01T00:00:00Z"},
    )
    assert long.status_code == 422
    naive = client.get(f"{V1}/teams/{support.pk}/now", {"at": "2026-06-01T09:00:00"})
    assert naive.status_code == 422
    assert api_client(bob).get(f"{V1}/now").status_code == 403


def test_a_rotation_stays_in_its_team(api_client, make_rotation, lead, alice, support, platform):
    rotation = make_rotation([alice])
    moved = post(
        api_client(lead),
        f"{V1}/rotations/{rotation.pk}",
        rotation_body(platform, alice),
        method="PUT",
    )
    assert moved.status_code == 422
    assert "team_id" in moved.json()["errors"]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/now", {"at": "9999-12-31T23:59:59Z"}),
        ("/now", {"at": "0001-01-01T00:00:00Z"}),
        ("/teams/{team}/schedule", {"start": "9999-12-20T00:00:00Z"}),
        ("/teams/{team}/now", {"at": "9999-12-31T23:00:00-05:00"}),
    ],
)
def test_instants_beyond_the_planning_range_are_refused_not_crashed(
    api_client, make_rotation, alice, support, path, params
):
    make_rotation([alice], time_zone="America/New_York")
    response = api_client(alice).get(V1 + path.format(team=support.pk), params)
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM


def test_a_rotation_or_override_far_in_the_future_is_refused(api_client, lead, alice, support):
    far = post(
        api_client(lead), f"{V1}/rotations", rotation_body(support, alice, start_date="9999-12-31")
    )
    assert far.status_code == 422
    assert "start_date" in far.json()["errors"]
    override = post(
        api_client(lead),
        f"{V1}/overrides",
        {
            "team_id": support.pk,
            "user_id": alice.pk,
            "starts_at": "9999-12-30T00:00:00Z",
            "ends_at": "9999-12-31T00:00:00Z",
        },
    )
    assert override.status_code == 422
