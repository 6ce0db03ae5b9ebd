"""Background jobs of backups: they take ids and call services (periodic ones are in
``sustain/schedule.py``)."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from sustain.backups import services


# retries=0: a backup that failed is recorded and reported; the next run is a new backup.
@db_task(retries=0)  # type: ignore[untyped-decorator]  # huey ships no type hints
def run_backup_task(backup_id: int) -> str:
    return str(services.run_backup(backup_id=backup_id).status)


@db_task(retries=0)  # type: ignore[untyped-decorator]  # huey ships no type hints
def verify_backup_task(backup_id: int) -> str:
    return str(services.verify_backup(backup_id=backup_id).verification)
