from __future__ import annotations

from django.test import Client

from sustain.backups.models import Backup


def signed_in(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def test_admin_sees_history_and_next_run(admin):
    Backup.objects.create(
        trigger=Backup.Trigger.SCHEDULE,
        status=Backup.Status.SUCCEEDED,
        size=2048,
        verification=Backup.Verification.PASSED,
        verification_detail="OK: 10 rows",
    )
    response = signed_in(admin).get("/backups/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Next scheduled backup" in page
    assert "Succeeded" in page
    assert "2.0\xa0KB" in page
    assert "OK: 10 rows" in page
    assert "Back up now" in page


def test_empty_history(admin):
    assert "No backup has run yet" in signed_in(admin).get("/backups/").content.decode()


def test_others_are_refused(alice, bob):
    for user in (alice, bob):
        assert signed_in(user).get("/backups/").status_code == 403
        assert signed_in(user).post("/backups/run").status_code == 403
    anonymous = Client().get("/backups/")
    assert anonymous.status_code == 302
    assert not Backup.objects.exists()


def test_back_up_now_queues_a_backup(admin):
    response = signed_in(admin).post("/backups/run")
    assert response.status_code == 302
    assert response["Location"] == "/backups/"
    backup = Backup.objects.get()
    assert backup.trigger == Backup.Trigger.MANUAL
    assert backup.requested_by == admin
    again = signed_in(admin).post("/backups/run", follow=True)
    assert "already queued" in again.content.decode()
    assert Backup.objects.count() == 1


def test_back_up_now_needs_csrf(admin):
    client = signed_in(admin, enforce_csrf_checks=True)
    assert client.post("/backups/run").status_code == 403
    assert not Backup.objects.exists()


def test_back_up_now_is_post_only(admin):
    assert signed_in(admin).get("/backups/run").status_code == 405
