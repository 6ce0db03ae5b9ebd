"""Maintenance through the API: plan with warnings, refusals as problem documents, the
instances of a range, "in maintenance now?", ad-hoc maintenance, freezes."""

from datetime import timedelta

from django.test import override_settings
from django.utils import timezone

from sustain.maintenance.tests.conftest import local, next_monday

PROBLEM = "application/problem+json"


def _post(client, url, body):
    return client.post(url, body, content_type="application/json")


def _body(**fields):
    body = {
        "title": "Sunday patching",
        "start": local(next_monday() + timedelta(days=6)).isoformat(),
        "time_zone": "Europe/Berlin",
        "duration": "PT2H",
        "rrule": "FREQ=WEEKLY;BYDAY=SU",
        "activities": ["Patch", "Reboot"],
    }
    return body | fields


def test_plan_read_and_list_a_window(api_client, engineer, sync, acme, bob, deployed):
    client = api_client(engineer)
    answer = _post(client, "/api/v1/maintenance/windows", _body(component_ids=[sync.pk]))
    assert answer.status_code == 201, answer.content
    window = answer.json()["window"]
    assert answer.json()["warnings"] == []
    assert window["components"] == [{"id": sync.pk, "name": "Gizmo / Sync"}]
    assert window["activities"] == ["Patch", "Reboot"]
    assert window["last_end"] is None
    # bob's organisation deploys Gizmo: he sees the window, without the staff's details
    seen = api_client(bob).get(f"/api/v1/maintenance/windows/{window['id']}").json()
    assert seen["title"] == "Sunday patching"
    assert seen["activities"] == []
    assert seen["owner"] is None
    listed = api_client(bob).get("/api/v1/maintenance/windows").json()
    assert [w["id"] for w in listed["items"]] == [window["id"]]


def test_overlap_comes_back_as_a_warning_and_check_shows_it(api_client, engineer, sync, gizmo):
    client = api_client(engineer)
    _post(client, "/api/v1/maintenance/windows", _body(product_ids=[gizmo.pk]))
    answer = _post(client, "/api/v1/maintenance/windows", _body(component_ids=[sync.pk]))
    assert answer.status_code == 201
    assert [w["kind"] for w in answer.json()["warnings"]] == ["overlap"]
    checked = _post(client, "/api/v1/maintenance/windows/check", _body(component_ids=[sync.pk]))
    assert checked.status_code == 200
    assert checked.json()["refused"] == ["freeze"]
    assert len(checked.json()["conflicts"]) == 2  # both existing windows now


@override_settings(SUSTAIN_MAINTENANCE_REFUSE=["overlap"])
def test_refused_conflict_is_a_409_problem(api_client, engineer, sync):
    client = api_client(engineer)
    _post(client, "/api/v1/maintenance/windows", _body(component_ids=[sync.pk]))
    answer = _post(client, "/api/v1/maintenance/windows", _body(component_ids=[sync.pk]))
    assert answer.status_code == 409
    assert answer["Content-Type"] == PROBLEM
    assert "Sunday patching" in answer.json()["errors"]["conflicts"][0]


def test_bad_window_is_a_422_naming_each_field(api_client, engineer):
    answer = _post(
        api_client(engineer),
        "/api/v1/maintenance/windows",
        _body(time_zone="Nowhere/City", rrule="FREQ=MINUTELY", duration="2h"),
    )
    assert answer.status_code == 422
    assert answer["Content-Type"] == PROBLEM
    assert set(answer.json()["errors"]) == {"time_zone", "rrule", "duration"}


def test_start_with_an_offset_is_refused(api_client, engineer):
    answer = _post(
        api_client(engineer),
        "/api/v1/maintenance/windows",
        _body(start="2027-03-07T02:00:00+01:00"),
    )
    assert answer.status_code == 422
    impossible = _post(
        api_client(engineer), "/api/v1/maintenance/windows", _body(start="2027-02-30T02:00")
    )
    assert impossible.status_code == 422
    assert "start" in impossible.json()["errors"]


def test_adhoc_occurrences_and_status(api_client, engineer, gizmo, sync, alice):
    client = api_client(engineer)
    answer = _post(client, "/api/v1/maintenance/adhoc", {"hours": 2, "product_ids": [gizmo.pk]})
    assert answer.status_code == 201
    window = answer.json()["window"]
    assert window["adhoc"]
    assert window["duration"] == "PT2H"
    now = timezone.now()
    occurrences = client.get("/api/v1/maintenance/occurrences").json()
    assert [o["window_id"] for o in occurrences] == [window["id"]]
    status = api_client(alice).get(
        "/api/v1/maintenance/status",
        {
            "product_id": gizmo.pk,
            "component_id": sync.pk,
            "at": (now + timedelta(hours=1)).isoformat(),
        },
    )
    assert status.json()["products"] == [gizmo.pk]
    assert status.json()["components"] == [sync.pk]
    later = client.get(
        "/api/v1/maintenance/status",
        {"product_id": gizmo.pk, "at": (now + timedelta(hours=3)).isoformat()},
    )
    assert later.json()["products"] == []


def test_occurrence_range_too_long_is_a_422(api_client, alice):
    answer = api_client(alice).get(
        "/api/v1/maintenance/occurrences",
        {"start": "2027-01-01T00:00:00Z", "end": "2029-01-01T00:00:00Z"},
    )
    assert answer.status_code == 422
    assert answer["Content-Type"] == PROBLEM


def test_freeze_then_window_inside_it_is_refused(api_client, engineer, gizmo):
    client = api_client(engineer)
    start = timezone.now()
    freeze = _post(
        client,
        "/api/v1/maintenance/freezes",
        {
            "title": "Peak season",
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(days=30)).isoformat(),
        },
    )
    assert freeze.status_code == 201
    answer = _post(client, "/api/v1/maintenance/windows", _body(product_ids=[gizmo.pk]))
    assert answer.status_code == 409
    assert "Peak season" in answer.json()["detail"]
    assert client.delete(f"/api/v1/maintenance/freezes/{freeze.json()['id']}").status_code == 204
    assert (
        _post(client, "/api/v1/maintenance/windows", _body(product_ids=[gizmo.pk])).status_code
        == 201
    )
