"""/metrics under the scaled deployment: gunicorn with several worker processes, as
docs/deployment.md configures it (its gunicorn.conf.py, PROMETHEUS_MULTIPROC_DIR), on
PostgreSQL and Redis.

Each worker counts the requests it answers; a scrape, answered by any one of them, must report
the sum over all of them, and the state gauges once, not once per worker. The workers are real
processes; which of them answered is read from the files prometheus_client keeps per process.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from prometheus_client.parser import text_string_to_metric_families

from sustain.core.env import EnvError
from sustain.core.metrics import check_multiprocess_dir
from sustain.core.models import OutboxMessage
from sustain.core.testing import production_environment
from sustain.tickets.models import Ticket

ROOT = Path(settings.BASE_DIR)
BOOT_SECONDS = 60
WORKERS = 2


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _documented_gunicorn_conf() -> str:
    """The gunicorn.conf.py of docs/deployment.md, as an operator copies it."""
    guide = (ROOT / "docs" / "deployment.md").read_text()
    found = re.search(r"`/etc/sustain/gunicorn\.conf\.py`:\s*```python\n(.*?)```", guide, re.S)
    assert found, "docs/deployment.md no longer shows a gunicorn.conf.py"
    return found.group(1)


def _get(url: str) -> tuple[int, str]:
    try:
        # Generous: a worker that is still loading the application answers late, and a request
        # the server counted must not be one the test gave up on.
        with urllib.request.urlopen(url, timeout=BOOT_SECONDS) as response:  # noqa: S310
            return int(response.status), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, ""
    except OSError:
        return 0, ""


class Gunicorn:
    def __init__(self, tmp_path: Path, redis_url: str) -> None:
        self.multiproc_dir = tmp_path / "prometheus"
        self.multiproc_dir.mkdir()
        self.conf = tmp_path / "gunicorn.conf.py"
        self.conf.write_text(_documented_gunicorn_conf())
        self.log = tmp_path / "gunicorn.log"
        self.port = _free_port()
        db = settings.DATABASES["default"]
        self.env = production_environment(
            tmp_path / "var",
            # The suite's own database, so that the gauges read what the test committed.
            DATABASE_URL="postgres://{}:{}@{}:{}/{}".format(
                db["USER"] or "", db["PASSWORD"] or "", db["HOST"], db["PORT"], db["NAME"]
            ),
            REDIS_URL=redis_url,
            SUSTAIN_QUEUE_NAME=f"sustain-metrics-{self.port}",
            PROMETHEUS_MULTIPROC_DIR=str(self.multiproc_dir),
        )
        self.process: subprocess.Popen[bytes] | None = None
        # Every /healthz this test had answered: what the counters must add up to.
        self.healthz_answered = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def healthz(self) -> int:
        status = _get(f"{self.url}/healthz")[0]
        if status == 200:
            self.healthz_answered += 1
        return status

    def start(self) -> None:
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "sustain.wsgi:application",
                    "--config",
                    str(self.conf),
                    # The command line wins over the file: a free port and a small machine.
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    str(WORKERS),
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                process_group=0,
            )
        deadline = time.monotonic() + BOOT_SECONDS
        while len(self.workers()) < WORKERS or self.healthz() != 200:
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not start:\n{self.output()}")
            time.sleep(0.1)

    def workers(self) -> set[int]:
        """The master's worker processes, from /proc."""
        assert self.process is not None
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return {int(pid) for pid in children.read_text().split()} if children.exists() else set()

    def counted_by(self) -> set[int]:
        """The processes that have counted a request: prometheus_client's file per process."""
        return {int(path.stem.split("_")[1]) for path in self.multiproc_dir.glob("counter_*.db")}

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


@pytest.fixture
def gunicorn(tmp_path: Path, redis_url: str) -> Iterator[Gunicorn]:
    server = Gunicorn(tmp_path, redis_url)
    try:
        yield server
    finally:
        server.stop()


Samples = dict[str, list[tuple[dict[str, str], float]]]


def _scrape(server: Gunicorn) -> Samples:
    """Each sample name with its (labels, value) pairs, in the order of the page."""
    status, text = _get(f"{server.url}/metrics")
    assert status == 200, server.output()
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append((sample.labels, float(sample.value)))
    return samples


def _value(samples: Samples, name: str, **labels: str) -> float:
    matching = [value for found, value in samples.get(name, []) if found == labels]
    assert len(matching) == 1, f"{name}{labels}: {samples.get(name)}"
    return matching[0]


def _requests_until_every_worker_answered(server: Gunicorn, workers: set[int]) -> None:
    """GET /healthz until each of ``workers`` has counted one (a new worker answers once it
    has loaded the application)."""
    deadline = time.monotonic() + BOOT_SECONDS
    while not workers <= server.counted_by():
        if time.monotonic() > deadline:
            pytest.fail(f"no request reached {workers - server.counted_by()}:\n{server.output()}")
        assert server.healthz() == 200
        time.sleep(0.01)


# The child processes read the suite's database, which only PostgreSQL shares between processes.
@pytest.mark.postgres
def test_metrics_add_up_every_gunicorn_worker_and_report_state_once(
    transactional_db, gunicorn, make_ticket, bob
):
    for n in range(3):
        make_ticket(bob, title=f"Printer {n} is on fire")
    gunicorn.start()
    first_workers = gunicorn.workers()
    assert len(first_workers) == WORKERS

    _requests_until_every_worker_answered(gunicorn, first_workers)
    samples = _scrape(gunicorn)

    # The requests of every worker, added up: one sample per label set, no per-process label.
    healthz = {"method": "GET", "status": "2xx", "view": "core:healthz"}
    answered = gunicorn.healthz_answered
    assert _value(samples, "sustain_http_requests_total", **healthz) == answered
    duration_count = "sustain_http_request_duration_seconds_count"
    assert _value(samples, duration_count, method="GET", view="core:healthz") == answered
    assert all("pid" not in labels for sample in samples.values() for labels, _ in sample)
    # The state is read once per scrape, whichever worker answers it.
    assert _value(samples, "sustain_tickets", status="new") == Ticket.objects.count() == 3
    for state in OutboxMessage.State.values:
        assert _value(samples, "sustain_outbox_messages", state=state) == (
            OutboxMessage.objects.filter(state=state).count()
        )
    assert _value(samples, "sustain_queue_pending_tasks") >= 0
    success = samples["sustain_scrape_collector_success"]
    assert {labels["collector"]: value for labels, value in success} == {
        "queue": 1.0,
        "outbox": 1.0,
        "tickets": 1.0,
    }

    # A worker that dies keeps its counts: gunicorn replaces it, and the sum does not drop.
    dead = min(first_workers)
    os.kill(dead, signal.SIGKILL)
    deadline = time.monotonic() + BOOT_SECONDS
    while dead in gunicorn.workers() or len(gunicorn.workers()) < WORKERS:
        assert time.monotonic() < deadline, gunicorn.output()
        time.sleep(0.1)
    _requests_until_every_worker_answered(gunicorn, gunicorn.workers() - first_workers)

    after = _scrape(gunicorn)
    assert gunicorn.healthz_answered > answered
    assert _value(after, "sustain_http_requests_total", **healthz) == gunicorn.healthz_answered
    scrapes = {"method": "GET", "status": "2xx", "view": "core:metrics"}
    assert _value(after, "sustain_http_requests_total", **scrapes) == 1
    assert _value(after, "sustain_tickets", status="new") == 3


def test_a_web_process_refuses_to_start_without_its_metrics_folder(tmp_path):
    # Otherwise every request, /healthz included, would answer 500 (FileNotFoundError).
    missing = tmp_path / "prometheus"
    env = production_environment(tmp_path / "var", PROMETHEUS_MULTIPROC_DIR=str(missing))

    done = subprocess.run(
        [sys.executable, "-c", "import sustain.wsgi"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode != 0
    assert f"PROMETHEUS_MULTIPROC_DIR is '{missing}', which is not a folder" in done.stderr


def test_the_metrics_folder_check_passes_a_folder_and_an_unset_variable(tmp_path):
    check_multiprocess_dir({})
    check_multiprocess_dir({"PROMETHEUS_MULTIPROC_DIR": str(tmp_path)})
    with pytest.raises(EnvError, match="PROMETHEUS_MULTIPROC_DIR is ''"):
        check_multiprocess_dir({"PROMETHEUS_MULTIPROC_DIR": ""})
