"""Every periodic job of Sustain, in one place.

A job here is a thin caller of a service: it takes no arguments, is idempotent, and is safe to
run on several workers at once (services claim their work with conditional UPDATEs). Apps add
their periodic jobs to this module rather than declaring them in their own ``tasks.py``, so
that what runs when can be read in one screen. It sits at the top, next to ``urls.py``, because
it calls into every layer. Settings name it (``SUSTAIN_SCHEDULE_MODULE``, as ``ROOT_URLCONF``
names the URL map) and ``sustain/core/tasks.py`` imports it by that name, so that the huey
consumer, which autodiscovers ``tasks`` modules, registers these jobs.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from sustain.backups import services as backups
from sustain.core import outbox
from sustain.mail import imap
from sustain.maintenance import announcements as maintenance_announcements
from sustain.oncall import notices as oncall_notices
from sustain.preventive import sweep as preventive
from sustain.releases.deployments import webhooks as deployment_webhooks
from sustain.releases.policy import eol_notices
from sustain.sla import escalation


# Every minute: delivers what the on-commit enqueue missed (crash, queue outage) and retries.
@db_periodic_task(crontab(minute="*"), retries=0)  # type: ignore[untyped-decorator]  # huey is untyped
def deliver_due_outbox_task() -> int:
    return outbox.drain_due()


# Every minute: the row of a worker that died mid-send is retried the moment its lease (30 s)
# runs out, not at the first sweep after that.
@db_periodic_task(crontab(minute="*"), retries=0)  # type: ignore[untyped-decorator]
def watch_outbox_leases_task() -> int:
    return outbox.watch_leases()


# Nightly: delivered side effects are kept for a while for support questions, then dropped.
@db_periodic_task(crontab(minute="17", hour="3"), retries=0)  # type: ignore[untyped-decorator]
def prune_outbox_task() -> int:
    return outbox.prune_sent(older_than=timedelta(days=settings.SUSTAIN_OUTBOX_RETENTION_DAYS))


# Daily at SUSTAIN_BACKUP_HOUR:30 UTC: back up into the configured destination, then retention.
@db_periodic_task(  # type: ignore[untyped-decorator]
    crontab(minute="30", hour=str(settings.SUSTAIN_BACKUP_HOUR)), retries=0
)
def scheduled_backup_task() -> int | None:
    backup = backups.run_scheduled_backup()
    return backup.pk if backup else None


# An hour after the backup: the newest archive is restored into a scratch database once.
@db_periodic_task(  # type: ignore[untyped-decorator]
    crontab(minute="30", hour=str((settings.SUSTAIN_BACKUP_HOUR + 1) % 24)),
    retries=0,
)
def verify_newest_backup_task() -> int | None:
    backup = backups.verify_newest_backup()
    return backup.pk if backup else None


# Every minute: SLA warnings and breaches whose time has come, and their escalations.
@db_periodic_task(crontab(minute="*"), retries=0)  # type: ignore[untyped-decorator]
def sweep_sla_clocks_task() -> int:
    return escalation.sweep().processed


# Every minute: fetch new mail from the configured IMAP mailboxes.
@db_periodic_task(crontab(minute="*"), retries=0)  # type: ignore[untyped-decorator]
def poll_mailboxes_task() -> int:
    return imap.poll_all()


# Nightly: deployment webhook deliveries are remembered (a repeat changes nothing) for a week,
# long after their signatures went stale (five minutes).
@db_periodic_task(crontab(minute="41", hour="3"), retries=0)  # type: ignore[untyped-decorator]
def prune_deployment_deliveries_task() -> int:
    return deployment_webhooks.prune_deliveries()


# Daily: end-of-life notices due today, to the customer admins of the organisations running
# the line (each once per organisation, line and offset: SUSTAIN_EOL_NOTICE_DAYS).
@db_periodic_task(crontab(minute="10", hour="6"), retries=0)  # type: ignore[untyped-decorator]
def send_eol_notices_task() -> int:
    return eol_notices.send_eol_notices().sent


# Every five minutes: on-call handovers of the next half hour told to the incoming and outgoing
# people, once each.
@db_periodic_task(crontab(minute="*/5"), retries=0)  # type: ignore[untyped-decorator]
def send_handover_notices_task() -> int:
    return oncall_notices.send_handover_notices()


# Every minute: preventive-maintenance tickets whose lead time has come, and missed occurrences.
@db_periodic_task(crontab(minute="*"), retries=0)  # type: ignore[untyped-decorator]
def sweep_preventive_schedules_task() -> int:
    return preventive.sweep().opened


# Every minute: maintenance announcements due (ahead of time, at the start, at the end).
@db_periodic_task(crontab(minute="*"), retries=0)  # type: ignore[untyped-decorator]
def announce_maintenance_task() -> int:
    return maintenance_announcements.announce_due()
