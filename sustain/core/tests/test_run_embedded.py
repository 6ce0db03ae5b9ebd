"""``sustain run`` end to end: the command behind the README's run command.

It starts the real thing in a subprocess on its own data folder (SQLite, the SQLite queue, mail
to files), as `make run` does after installing: migrate, the web server and the worker. A
ticket created through the API must come out of the worker as an e-mail file, and one Ctrl-C
must stop both processes cleanly. The folder holds one operator account already, so the demo
data is not loaded: its two months of history fill the queue with a thousand e-mails that
would take the worker half a minute to work through (the demo has tests of its own).
"""

from __future__ import annotations

import json
import os
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

from sustain.core.testing import production_environment

# The embedded default is SQLite whatever the suite runs on; once per `make test` is enough.
pytestmark = pytest.mark.embedded

BOOT_SECONDS = 180
MAIL_SECONDS = 60
STOP_SECONDS = 30


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback)
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


class Embedded:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = _free_port()
        self.env = production_environment(data_dir, PORT=str(self.port))
        self.log = data_dir / "run.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self.log.open("wb") as log:
            # A process group of its own, so the test's Ctrl-C reaches it alone, as a
            # terminal's would.
            self.process = subprocess.Popen(
                [sys.executable, "-m", "sustain.cli", "run"],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                process_group=0,
            )
        deadline = time.monotonic() + BOOT_SECONDS
        while _get(f"{self.url}/readyz") != 200:
            if self.process.poll() is not None:
                pytest.fail(f"sustain run exited with {self.process.returncode}:\n{self.output()}")
            if time.monotonic() > deadline:
                pytest.fail(f"sustain run was not ready in {BOOT_SECONDS} s:\n{self.output()}")
            time.sleep(0.25)

    def sustain(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "sustain.cli", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def stop(self) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            pytest.fail(f"sustain run did not stop within {STOP_SECONDS} s:\n{self.output()}")


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[Embedded]:
    running = Embedded(tmp_path / "var")
    try:
        yield running
    finally:
        if running.process is not None and running.process.poll() is None:
            os.killpg(running.process.pid, signal.SIGKILL)
            running.process.wait()
        # The worker has a process group of its own, which a killed `sustain run` could not
        # stop: a failed test must not leave it running.
        for pid in _worker_pids(running.data_dir):
            os.kill(pid, signal.SIGKILL)


def _worker_pids(data_dir: Path) -> list[int]:
    """Processes started with this data folder in their environment (the worker child)."""
    needle = f"SUSTAIN_DATA_DIR={data_dir}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


OPERATOR = "ops@example.com"


def test_run_serves_delivers_mail_and_stops_on_one_ctrl_c(embedded: Embedded) -> None:
    embedded.data_dir.mkdir(parents=True)
    embedded.sustain("migrate", "--verbosity", "0")
    embedded.sustain(
        "shell",
        "-c",
        "from sustain.accounts.models import User; "
        f"User.objects.create_superuser({OPERATOR!r}, full_name='Ops', password=None)",
    )
    embedded.start()
    output = embedded.output()
    assert f"Sustain is running at {embedded.url}/" in output
    assert "Loaded the demo" not in output
    assert _get(f"{embedded.url}/healthz") == 200
    assert len(_worker_pids(embedded.data_dir)) == 2, "the server and its worker"

    token = embedded.sustain("createtoken", OPERATOR, "--name", "e2e").splitlines()[-1]
    request = urllib.request.Request(  # noqa: S310 (loopback)
        f"{embedded.url}/api/v1/tickets",
        data=json.dumps(
            {"title": "Nightly export stops at 2 GB", "description": "Since Tuesday."}
        ).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
        assert response.status == 201
        number = json.load(response)["number"]

    # The worker delivers the new-ticket notification through the file mail backend.
    sent = embedded.data_dir / "sent-mail"
    deadline = time.monotonic() + MAIL_SECONDS
    mails: list[str] = []
    while not any(number in mail for mail in mails):
        if time.monotonic() > deadline:
            pytest.fail(f"no e-mail about {number} in {MAIL_SECONDS} s:\n{embedded.output()}")
        time.sleep(0.25)
        mails = [path.read_text(errors="replace") for path in sent.glob("*.log")]
    mail = next(mail for mail in mails if number in mail)
    assert f"To: {OPERATOR}" in mail
    assert "Nightly export stops at 2 GB" in mail
    # The worker ran its jobs without a line each: the URL and the logins are still the last
    # lines of the console.
    assert embedded.output().rstrip().endswith("Press Ctrl-C to stop."), embedded.output()
    assert "huey" not in embedded.output()

    assert embedded.stop() == 0
    assert "Traceback" not in embedded.output()
    assert _get(f"{embedded.url}/healthz") == 0
    assert _worker_pids(embedded.data_dir) == []
