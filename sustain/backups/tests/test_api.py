from __future__ import annotations

import json

from sustain.backups.models import Backup
from sustain.core.testing import assert_problem, send


def test_admin_lists_backups_with_next_run(api_client, admin):
    Backup.objects.create(trigger=Backup.Trigger.SCHEDULE, status=Backup.Status.FAILED, error="x")
    response = send(api_client(admin), "GET", "/backups")
    assert response.status_code == 200
    body = json.loads(response.content)
    assert [b["status"] for b in body["items"]] == ["failed"]
    assert body["items"][0]["error"] == "x"
    assert (
        body["next_scheduled_run"].endswith("02:30:00Z") or "T02:30" in body["next_scheduled_run"]
    )


def test_non_admins_are_refused(api_client, alice, bob):
    for user in (alice, bob):
        assert_problem(send(api_client(user), "GET", "/backups"), 403)
        assert_problem(send(api_client(user), "POST", "/backups"), 403)
    assert_problem(send(api_client(None), "GET", "/backups"), 401)
    assert not Backup.objects.exists()


def test_back_up_now_and_read_it(api_client, admin, helpdesk, django_capture_on_commit_callbacks):
    client = api_client(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = send(client, "POST", "/backups")
    assert response.status_code == 202
    backup_id = json.loads(response.content)["id"]
    detail = json.loads(send(client, "GET", f"/backups/{backup_id}").content)
    assert detail["status"] == "succeeded"
    assert detail["trigger"] == "manual"
    assert detail["size"] > 0
    assert detail["duration_seconds"] >= 0
    with django_capture_on_commit_callbacks(execute=True):
        verified = send(client, "POST", f"/backups/{backup_id}/verify")
    assert verified.status_code == 202
    detail = json.loads(send(client, "GET", f"/backups/{backup_id}").content)
    assert detail["verification"] == "passed"


def test_unknown_backup_and_bad_verification(api_client, admin):
    client = api_client(admin)
    assert_problem(send(client, "GET", "/backups/999999"), 404)
    failed = Backup.objects.create(trigger=Backup.Trigger.MANUAL, status=Backup.Status.FAILED)
    assert_problem(send(client, "POST", f"/backups/{failed.pk}/verify"), 409)


def test_second_back_up_now_conflicts(api_client, admin):
    client = api_client(admin)
    assert send(client, "POST", "/backups").status_code == 202
    assert_problem(send(client, "POST", "/backups"), 409)
