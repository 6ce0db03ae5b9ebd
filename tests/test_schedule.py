"""The one list of periodic jobs (``sustain/schedule.py``) is what every worker runs.

Core sits below the apps the jobs call, so it imports the schedule by the name the settings
give it; these tests prove that a worker process still registers every job, and only those.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from huey.api import TaskWrapper

from sustain import schedule
from sustain.core.testing import production_environment

# What `sustain worker` (huey's run_huey) does before it starts the consumer: import every
# app's ``tasks`` module. The registry it leaves behind is what the consumer schedules.
WORKER_DISCOVERY = """
import json
import django
django.setup()
from django.utils.module_loading import autodiscover_modules
from huey.contrib.djhuey import HUEY
autodiscover_modules("tasks")
print(json.dumps(sorted(
    f"{task.__module__}.{task.__name__}" for task in HUEY._registry._periodic_tasks
)))
"""


def periodic_jobs_of_the_schedule() -> list[str]:
    return sorted(
        f"{job.task_class.__module__}.{name}"
        for name, job in vars(schedule).items()
        if isinstance(job, TaskWrapper) and hasattr(job.task_class, "validate_datetime")
    )


def test_the_settings_name_the_schedule_module():
    assert schedule.__name__ == settings.SUSTAIN_SCHEDULE_MODULE


def test_the_schedule_lists_the_periodic_jobs_of_every_app():
    assert periodic_jobs_of_the_schedule() == [
        "sustain.schedule.announce_maintenance_task",
        "sustain.schedule.deliver_due_outbox_task",
        "sustain.schedule.poll_mailboxes_task",
        "sustain.schedule.prune_deployment_deliveries_task",
        "sustain.schedule.prune_outbox_task",
        "sustain.schedule.scheduled_backup_task",
        "sustain.schedule.send_eol_notices_task",
        "sustain.schedule.send_handover_notices_task",
        "sustain.schedule.sweep_preventive_schedules_task",
        "sustain.schedule.sweep_sla_clocks_task",
        "sustain.schedule.verify_newest_backup_task",
        "sustain.schedule.watch_outbox_leases_task",
    ]


def test_a_worker_process_registers_every_periodic_job_and_no_other(tmp_path: Path):
    done = subprocess.run(
        [sys.executable, "-c", WORKER_DISCOVERY],
        env=production_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    registered = json.loads(done.stdout.splitlines()[-1])
    assert registered == periodic_jobs_of_the_schedule()
