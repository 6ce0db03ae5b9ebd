"""Scaled mode for real: PostgreSQL, Redis and several `sustain worker` processes.

The test runs Sustain's own commands in child processes, as an operator would: `migrate`, two
workers, and a producer that changes tickets. Each notification must arrive exactly once.
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redis
from django.conf import settings

from sustain.core.testing import production_environment

pytestmark = pytest.mark.postgres

PRODUCER = """
from django.db import transaction
from sustain.accounts.models import User
from sustain.tickets.creation import NewTicket, create_ticket
from sustain.tickets.services import add_message

agent = User.objects.create_user("agent@scaled.test", role="agent", full_name="Agent")
customer = User.objects.create_user("customer@scaled.test", role="customer")
for n in range({count}):
    ticket = create_ticket(actor=customer, data=NewTicket(title=f"T{{n}}", description="d"))
    add_message(actor=agent, ref=ticket.pk, body="we are on it")
print("produced")
"""


def _sustain(*args: str, env: dict[str, str], timeout: float = 120) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "sustain.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, f"sustain {args[0]} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture
def scaled_env(redis_url: str, tmp_path: Path) -> Iterator[dict[str, str]]:
    db = settings.DATABASES["default"]
    name = f"sustain_scaled_{uuid.uuid4().hex[:8]}"
    admin = f"postgres://{db['USER'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    with psycopg.connect(f"{admin}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    queue = f"sustain-scaled-{uuid.uuid4().hex[:8]}"
    env = production_environment(
        tmp_path,
        DATABASE_URL=f"{admin}/{name}",
        REDIS_URL=redis_url,
        SUSTAIN_QUEUE_NAME=queue,
        SECRET_KEY="scaled-mode-test",
    )
    try:
        yield env
    finally:
        client = redis.Redis.from_url(redis_url)
        for key in client.scan_iter(f"*{queue}*"):
            client.delete(key)
        client.close()
        with psycopg.connect(f"{admin}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _sent_message_ids(mail_dir: Path) -> list[str]:
    ids = []
    for path in mail_dir.glob("*.log"):
        ids += [
            line.split(":", 1)[1].strip()
            for line in path.read_text().splitlines()
            if line.lower().startswith("message-id:")
        ]
    return ids


def _outbox_states(env: dict[str, str]) -> dict[str, int]:
    url = env["DATABASE_URL"]
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT state, count(*) FROM core_outboxmessage GROUP BY state")
        return dict(rows.fetchall())


def test_two_workers_on_redis_deliver_every_notification_once(scaled_env, tmp_path):
    count = 15
    _sustain("migrate", "--noinput", env=scaled_env)
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "sustain.cli", "worker", "--workers", "2"],
            env=scaled_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        assert "produced" in _sustain("shell", "-c", PRODUCER.format(count=count), env=scaled_env)
        # A creation mails the customer; the agent's reply mails the customer again.
        expected = 2 * count
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if _outbox_states(scaled_env).get("sent", 0) >= expected:
                break
            time.sleep(0.5)
        ids = _sent_message_ids(tmp_path / "sent-mail")
    finally:
        for worker in workers:
            worker.terminate()
        errors = [worker.communicate(timeout=30)[1] for worker in workers]
    assert _outbox_states(scaled_env) == {"sent": expected}, errors
    assert len(ids) == expected
    assert len(set(ids)) == expected
