"""Several workers sweep at once: every occurrence opens exactly one ticket (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.db import connection

from sustain.preventive.models import Occurrence, Schedule
from sustain.preventive.sweep import SweepResult, sweep
from sustain.preventive.tests.conftest import MONDAY
from sustain.tickets.models import ChecklistItem, Ticket


@pytest.mark.postgres
# available_apps makes the teardown flush TRUNCATE ... CASCADE (as the SLA sweep's race test).
@pytest.mark.django_db(transaction=True, available_apps=list(settings.INSTALLED_APPS))
def test_four_workers_racing_open_each_occurrence_once(make_schedule):
    for n in range(25):
        make_schedule(name=f"Routine {n}")
    workers = 4
    barrier = threading.Barrier(workers)
    results: list[SweepResult] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            results.append(sweep(now=MONDAY))
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sum(r.opened for r in results) == 25
    assert sum(r.failed for r in results) == 0
    assert Ticket.objects.count() == 25
    assert Occurrence.objects.count() == 25
    assert ChecklistItem.objects.count() == 50  # two items per ticket, never doubled
    # Every schedule moved on to its next week, once.
    assert set(Schedule.objects.values_list("next_due", flat=True)) == {
        MONDAY.replace(day=26, hour=8)
    }
