"""``sustain preventive list | sweep``."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_list_and_sweep(make_schedule):
    make_schedule()
    out = StringIO()
    call_command("preventive", "list", stdout=out)
    assert (
        "Rotate backup disks\tFREQ=WEEKLY;BYDAY=MO\tnext 2026-10-19T07:00:00+00:00"
        in out.getvalue()
    )
    out = StringIO()
    call_command("preventive", "sweep", stdout=out)
    # The first occurrence (October 2026) is past when the tests run: opened, and missed.
    assert "opened 1, escalated 1, failed 0" in out.getvalue()
