"""``sustain run``: one command that sets up and serves the embedded demo.

It migrates, loads the demo data into an empty database, starts a background worker as a child
process and serves the web app with waitress. Production runs the pieces separately (gunicorn,
``sustain worker``); this command exists so that a first look needs nothing but ``make run``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import is_password_usable
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.servers.basehttp import get_internal_wsgi_application
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils.module_loading import import_string

DEFAULT_PORT = 8000
# Huey finishes the tasks in hand on SIGINT; a task stuck longer than this is killed, which is
# safe because tasks are idempotent and will run again.
WORKER_GRACE_SECONDS = 10


def parse_port(value: str, source: str) -> int:
    try:
        port = int(value.strip())
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise CommandError(f"{source} must be a port number from 1 to 65535, not {value!r}.")
    return port


def site_url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def demo_logins() -> list[tuple[str, str, str]]:
    """The demo accounts to print: the list that ``SUSTAIN_DEMO_LOGINS`` names, if any.

    The demo is an app above core; it is named in the settings rather than imported here.
    Only the accounts that exist and may sign in are printed: on a database where the demo
    was never loaded (or its people were deactivated) there is nothing to offer.
    """
    if not settings.SUSTAIN_DEMO_LOGINS:
        return []
    logins = [
        (str(role), str(email), str(pw))
        for role, email, pw in import_string(settings.SUSTAIN_DEMO_LOGINS)
    ]
    present = {
        email.lower()
        for email, password in get_user_model()
        .objects.filter(email__in=[email for _, email, _ in logins], is_active=True)
        .values_list("email", "password")
        if is_password_usable(password)
    }
    return [login for login in logins if login[1].lower() in present]


class Command(BaseCommand):
    help = "Set up and serve Sustain with a background worker (the embedded demo)."

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._stopping = threading.Event()

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on.")
        parser.add_argument(
            "--port",
            help=f"Port to listen on (default: $PORT, else {DEFAULT_PORT}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["port"] is not None:
            port = parse_port(options["port"], "--port")
        elif os.environ.get("PORT"):
            port = parse_port(os.environ["PORT"], "The PORT environment variable")
        else:
            port = DEFAULT_PORT
        host: str = options["host"]
        verbosity: int = options["verbosity"]

        self._migrate(verbosity)
        if not get_user_model().objects.exists():
            self._load_demo()

        server = self._create_server(host, port)
        # waitress shuts down cleanly on KeyboardInterrupt. SIGTERM (a service manager, `kill`)
        # is made to look the same, and SIGINT is set explicitly because a shell starting this
        # in the background hands it over ignored. Both are in place before the worker starts,
        # so that no signal can leave it orphaned.
        previous = {
            signum: signal.signal(signum, signal.default_int_handler)
            for signum in (signal.SIGINT, signal.SIGTERM)
        }
        worker = None
        try:
            worker = self._start_worker()
            self._announce(site_url(host, port))
            server.run()
        finally:
            if worker is not None:
                self._stop_worker(worker)
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _migrate(self, verbosity: int) -> None:
        # One line for the first start's fifty migrations; `--verbosity 2` lists them.
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if pending:
            self.stdout.write(f"Applying {len(pending)} database migrations ...")
        call_command("migrate", interactive=False, verbosity=verbosity if verbosity > 1 else 0)

    def _load_demo(self) -> None:
        if "demo" not in get_commands():
            self.stderr.write(
                self.style.WARNING(
                    "The `demo` command is not available; starting without demo data."
                )
            )
            return
        self.stdout.write("Loading the demo data (a minute at most) ...")
        call_command("demo", no_logins=True)

    def _create_server(self, host: str, port: int) -> Any:
        from waitress.server import create_server

        # Static files are served from the apps' directories (WHITENOISE_USE_FINDERS), but
        # WhiteNoise warns at start-up when STATIC_ROOT is missing.
        Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
        # The application that settings.WSGI_APPLICATION names, found as `runserver` finds it:
        # core does not import the project module above it.
        application = get_internal_wsgi_application()
        try:
            return create_server(application, host=host, port=port, ident="Sustain")
        except OSError as exc:
            raise CommandError(f"Cannot listen on {host}:{port}: {exc.strerror}.") from exc

    def _start_worker(self) -> subprocess.Popen[bytes]:
        # Its own process group: a Ctrl-C in the terminal reaches only this process, which then
        # stops the worker gracefully instead of both racing to shut down.
        # Quiet: the console shows the worker's warnings and errors, not a line per job.
        worker = subprocess.Popen(
            [sys.executable, "-m", "sustain.cli", "worker", "--quiet"], process_group=0
        )
        threading.Thread(target=self._watch_worker, args=(worker,), daemon=True).start()
        return worker

    def _watch_worker(self, worker: subprocess.Popen[bytes]) -> None:
        code = worker.wait()
        if not self._stopping.is_set():
            self.stderr.write(
                self.style.ERROR(
                    f"The background worker exited with code {code}; background jobs will not "
                    "run until `sustain run` is restarted."
                )
            )

    def _stop_worker(self, worker: subprocess.Popen[bytes]) -> None:
        self._stopping.set()
        if worker.poll() is not None:
            return
        worker.send_signal(signal.SIGINT)
        try:
            worker.wait(timeout=WORKER_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        except KeyboardInterrupt:
            # A second Ctrl-C while the worker finishes its jobs: stop now, without a
            # traceback. Jobs are idempotent, so whatever was cut short runs again later.
            worker.kill()
            worker.wait()
            self.stderr.write("Stopped the worker without waiting for its jobs.")
            raise SystemExit(130) from None

    def _announce(self, url: str) -> None:
        self.stdout.write(self.style.SUCCESS(f"Sustain is running at {url}"))
        logins = demo_logins()
        if logins:
            self.stdout.write("Demo logins:")
            role_width = max(len(role) for role, _, _ in logins)
            email_width = max(len(email) for _, email, _ in logins)
            for role, email, password in logins:
                self.stdout.write(f"  {role:<{role_width}}  {email:<{email_width}}  {password}")
        self.stdout.write("Press Ctrl-C to stop.")
