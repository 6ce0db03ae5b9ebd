"""End-of-life notices: to the customer admins of organisations running a line, at the
configured offsets, each once — however often or on however many workers the job runs."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection

from sustain.accounts.choices import Role
from sustain.core.models import OutboxMessage
from sustain.factories import make_user
from sustain.releases.policy.eol_notices import plan_notices, send_eol_notices
from sustain.releases.policy.eol_notices import send_notice as send_one
from sustain.releases.policy.models import EolNotice

OFFSETS = [90, 30, 7]


def _mails():
    return list(
        OutboxMessage.objects.filter(idempotency_key__startswith="eol:").order_by("idempotency_key")
    )


@pytest.fixture
def running(deploy, acme, globex, fv, lines, acme_admin, bob, carol):
    """Acme runs 4.10.0 (line 4.10 ends 2026-09-01) in production and staging; Globex runs
    5.0.0 (ends 2027-12-01) and has a customer admin too."""
    deploy(acme, fv["4.10.0"])
    deploy(acme, fv["4.10.0"], "staging")
    deploy(globex, fv["5.0.0"])
    make_user("boss@globex.test", role=Role.CUSTOMER_ADMIN, organisation=globex)


def test_only_the_customer_admins_of_organisations_running_the_line_are_told(running, acme_admin):
    run = send_eol_notices(today=date(2026, 6, 5), offsets=OFFSETS)  # 88 days ahead

    assert run.sent == 1
    [mail] = _mails()
    assert mail.payload["to"] == [acme_admin.email]
    assert mail.payload["subject"] == "Fleet 4.10 reaches its end of life on 2026-09-01"
    assert "4.10.0 in production" in mail.payload["body"]
    assert "4.10.0 in staging" in mail.payload["body"]
    assert "in 88 days" in mail.payload["body"]
    [notice] = EolNotice.objects.all()
    assert (notice.offset_days, notice.eol_on, notice.recipients) == (90, date(2026, 9, 1), 1)


def test_running_twice_sends_nothing_twice(running):
    send_eol_notices(today=date(2026, 6, 5), offsets=OFFSETS)
    again = send_eol_notices(today=date(2026, 6, 5), offsets=OFFSETS)
    next_day = send_eol_notices(today=date(2026, 6, 6), offsets=OFFSETS)

    assert (again.sent, next_day.sent) == (0, 0)
    assert len(_mails()) == 1
    assert EolNotice.objects.count() == 1


def test_each_offset_is_sent_once_as_the_day_comes(running):
    days = [
        date(2026, 5, 1),
        date(2026, 6, 3),
        date(2026, 8, 1),
        date(2026, 8, 3),
        date(2026, 8, 25),
        date(2026, 8, 31),
        date(2026, 9, 1),
    ]
    sent = [send_eol_notices(today=d, offsets=OFFSETS).sent for d in days]

    assert sent == [0, 1, 0, 1, 1, 0, 0]  # 123 days: none yet; 90, 30, 7; none at the end
    assert sorted(EolNotice.objects.values_list("offset_days", flat=True)) == [7, 30, 90]


def test_a_job_that_missed_days_sends_the_tightest_offset_due_only(running):
    run = send_eol_notices(today=date(2026, 8, 20), offsets=OFFSETS)  # 12 days ahead

    assert [n.offset_days for n in run.planned] == [30]
    send_eol_notices(today=date(2026, 8, 21), offsets=OFFSETS)
    assert list(EolNotice.objects.values_list("offset_days", flat=True)) == [30]


def test_a_second_worker_racing_the_first_sends_nothing(running):
    [notice] = plan_notices(date(2026, 6, 5), OFFSETS)
    [same] = plan_notices(date(2026, 6, 5), OFFSETS)  # planned before the first one committed

    assert send_one(notice) == 1
    assert send_one(same) == 0
    assert len(_mails()) == 1


def test_no_notice_for_a_line_without_an_end_of_life_date(deploy, acme, acme_admin, fleet):
    from sustain.catalog import services as catalog
    from sustain.core.permissions import OPERATOR
    from sustain.releases.line_services import LineData, create_line

    version = catalog.create_version(actor=OPERATOR, product=fleet, name="6.0.0")
    create_line(actor=OPERATOR, product=fleet, data=LineData(name="6.0", eol=False))
    deploy(acme, version)

    assert send_eol_notices(today=date(2026, 6, 5), offsets=OFFSETS).planned == []
    assert not _mails()


def test_an_organisation_without_a_customer_admin_is_not_recorded(deploy, globex, fv, lines, carol):
    deploy(globex, fv["4.10.0"])

    run = send_eol_notices(today=date(2026, 6, 5), offsets=OFFSETS)

    assert [n.recipients for n in run.planned] == [[]]
    assert run.sent == 0
    assert not EolNotice.objects.exists()


def test_inactive_admins_are_not_told(running, acme_admin):
    acme_admin.is_active = False
    acme_admin.save()

    send_eol_notices(today=date(2026, 6, 5), offsets=OFFSETS)

    assert not _mails()


def test_a_moved_end_of_life_gets_the_offsets_not_used_yet(running, lines):
    from dataclasses import replace

    from sustain.core.permissions import OPERATOR
    from sustain.releases.line_services import line_data, update_line

    send_eol_notices(today=date(2026, 8, 28), offsets=OFFSETS)  # the 7-day notice
    line = lines["4.10"]
    update_line(actor=OPERATOR, line=line, data=replace(line_data(line), eol=date(2026, 11, 1)))
    sent = [
        send_eol_notices(today=d, offsets=OFFSETS).sent
        for d in (date(2026, 8, 29), date(2026, 10, 5), date(2026, 10, 28))
    ]

    assert sent == [1, 1, 0]  # 90 and 30 for the new day; 7 was used
    assert sorted(EolNotice.objects.values_list("offset_days", flat=True)) == [7, 30, 90]


def test_the_command_dry_run_writes_nothing_and_says_what_it_would_send(
    running, capsys, monkeypatch
):
    from sustain.releases.policy import eol_notices

    monkeypatch.setattr(eol_notices, "site_today", lambda: date(2026, 6, 5))
    call_command("releases", "send-eol-notices", "--dry-run")
    out = capsys.readouterr().out

    assert "Acme: Fleet 4.10 ends 2026-09-01 (in 88 days, 90-day notice) → boss@acme.test" in out
    assert "dry run" in out
    assert not _mails()
    assert not EolNotice.objects.exists()

    call_command("releases", "send-eol-notices")
    assert "Sent 1 notice" in capsys.readouterr().out
    assert len(_mails()) == 1


def test_the_offsets_come_from_the_setting(running, settings):
    settings.SUSTAIN_EOL_NOTICE_DAYS = [100]

    run = send_eol_notices(today=date(2026, 5, 25))  # 99 days ahead

    assert [n.offset_days for n in run.planned] == [100]


@pytest.mark.postgres
# available_apps makes the teardown flush TRUNCATE ... CASCADE (tables made outside the ORM).
@pytest.mark.django_db(transaction=True, available_apps=list(django_settings.INSTALLED_APPS))
def test_four_workers_at_once_send_each_notice_once(deploy, fv, lines):
    from sustain.factories import make_organisation

    for n in range(6):
        org = make_organisation(f"Customer {n}")
        make_user(f"admin{n}@customer{n}.test", role=Role.CUSTOMER_ADMIN, organisation=org)
        deploy(org, fv["4.10.0"])
    barrier = threading.Barrier(4)
    sent: list[int] = []

    def worker() -> None:
        try:
            barrier.wait()
            sent.append(send_eol_notices(today=date(2026, 6, 5), offsets=OFFSETS).sent)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(sent) == 6
    assert EolNotice.objects.count() == 6
    assert len(_mails()) == 6
