from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command

from sustain.maintenance.models import MaintenanceWindow
from sustain.maintenance.tests.conftest import local, next_monday


def test_create_then_list(gizmo, sync, capsys):
    start = local(next_monday() + timedelta(days=6)).strftime("%Y-%m-%dT%H:%M")
    call_command(
        "maintenance",
        "create",
        "Sunday patching",
        "--start",
        start,
        "--zone",
        "Europe/Berlin",
        "--rrule",
        "FREQ=WEEKLY;COUNT=2",
        "--product",
        "Gizmo",
        "--component",
        "Gizmo/Sync",
        "--activity",
        "Patch",
    )
    window = MaintenanceWindow.objects.get()
    assert window.activities == ["Patch"]
    assert list(window.components.all()) == [sync]
    call_command("maintenance", "list", "--days", "30")
    out = capsys.readouterr().out
    assert out.count("Sunday patching") == 3  # planned, then two instances listed


def test_create_refuses_bad_input_clearly(gizmo):
    with pytest.raises(CommandError, match="rrule"):
        call_command(
            "maintenance", "create", "x", "--start", "2027-01-01T02:00", "--rrule", "FREQ=SECONDLY"
        )
    with pytest.raises(CommandError, match="No product"):
        call_command(
            "maintenance", "create", "x", "--start", "2027-01-01T02:00", "--product", "Nope"
        )
    with pytest.raises(CommandError, match="not like"):
        call_command("maintenance", "create", "x", "--start", "tomorrow")


def test_list_with_nothing(db, capsys):
    call_command("maintenance", "list")
    assert "No maintenance" in capsys.readouterr().out
