"""``sustain smtpd [--host H] [--port P] [--lmtp]``: receive mail from an MTA."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from sustain.mail.listener import make_controller


class Command(BaseCommand):
    help = "Listen for SMTP (or LMTP) deliveries and turn them into tickets."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8025)
        parser.add_argument("--lmtp", action="store_true", help="speak LMTP instead of SMTP")

    def handle(self, *args: Any, host: str, port: int, lmtp: bool, **options: Any) -> None:
        controller = make_controller(host=host, port=port, lmtp=lmtp)
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        controller.start()
        protocol = "LMTP" if lmtp else "SMTP"
        self.stdout.write(f"Sustain {protocol} listener on {host}:{port}", ending="\n")
        self.stdout.flush()
        try:
            stop.wait()
        finally:
            controller.stop()
