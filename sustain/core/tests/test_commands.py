import os
import subprocess
import sys
import types
from datetime import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from huey import MemoryHuey, crontab

from sustain.core.management.commands import worker
from sustain.core.management.commands.run import demo_logins, parse_port, site_url


@pytest.mark.parametrize("port", ["eighty", "0", "65536", "-1", ""])
def test_run_rejects_a_bad_port_option(port):
    with pytest.raises(CommandError, match="--port must be a port number from 1 to 65535"):
        call_command("run", port=port)


def test_run_rejects_a_bad_port_environment_variable(monkeypatch):
    monkeypatch.setenv("PORT", "80a")
    with pytest.raises(CommandError, match="PORT environment variable must be a port number"):
        call_command("run")


def test_run_accepts_ports_at_both_ends_of_the_range():
    assert parse_port("1", "--port") == 1
    assert parse_port(" 65535 ", "--port") == 65535


def test_run_shows_ipv6_hosts_in_brackets():
    assert site_url("127.0.0.1", 8000) == "http://127.0.0.1:8000/"
    assert site_url("::1", 8765) == "http://[::1]:8765/"


def test_worker_accepts_the_consumer_options_of_run_huey():
    parser = worker.Command().create_parser("sustain", "worker")
    options = parser.parse_args(["--workers", "3", "--no-periodic"])
    assert options.workers == 3
    assert options.periodic is False


def test_only_one_of_several_workers_enqueues_a_minutes_periodic_tasks():
    huey = MemoryHuey("test-claims", utc=True)

    @huey.periodic_task(crontab())
    def every_minute():
        return None

    first, second = worker.claiming_read_periodic(huey), worker.claiming_read_periodic(huey)
    minute = datetime(2025, 3, 30, 1, 59, 0)  # noqa: DTZ001 - huey's clock is naive

    assert [t.name for t in first(minute)] == ["every_minute"]
    assert second(minute) == []
    assert [t.name for t in second(minute.replace(hour=2, minute=0))] == ["every_minute"]


def test_sustain_cli_runs_a_django_management_command():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "sustain.settings_test"}
    result = subprocess.run(
        [sys.executable, "-m", "sustain.cli", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_run_prints_the_demo_logins_whose_accounts_exist_and_may_sign_in(settings, monkeypatch, db):
    from sustain.factories import make_user

    demo_module = types.ModuleType("demo_logins_for_test")
    demo_module.DEMO_LOGINS = [  # type: ignore[attr-defined]
        ("agent", "agent@example.com", "s3cret"),
        ("lead", "lead@example.com", "s3cret"),
        ("gone", "gone@example.com", "s3cret"),
        ("locked", "locked@example.com", "s3cret"),
    ]
    monkeypatch.setitem(sys.modules, "demo_logins_for_test", demo_module)
    settings.SUSTAIN_DEMO_LOGINS = "demo_logins_for_test.DEMO_LOGINS"
    assert demo_logins() == []  # a database without the demo: nothing to offer

    for email in ("Agent@example.com", "lead@example.com", "locked@example.com"):
        user = make_user(email.lower(), role="agent")
        user.set_password("s3cret")
        user.save()
    make_user("gone@example.com", role="agent", is_active=False)
    locked = get_user_model().objects.get(email="locked@example.com")
    locked.set_unusable_password()
    locked.save()
    assert demo_logins() == [
        ("agent", "agent@example.com", "s3cret"),
        ("lead", "lead@example.com", "s3cret"),
    ]


def test_run_names_the_demo_apps_logins_by_default(settings):
    from sustain.demo.logins import DEMO_LOGINS

    assert settings.SUSTAIN_DEMO_LOGINS == "sustain.demo.logins.DEMO_LOGINS"
    assert DEMO_LOGINS


def test_run_prints_no_logins_when_no_demo_is_named(settings):
    settings.SUSTAIN_DEMO_LOGINS = ""
    assert demo_logins() == []
