"""``sustain smtpd``: an SMTP or LMTP listener (aiosmtpd) that an MTA delivers to.

The listener answers only after the message is stored and processed, so the MTA keeps (and
retries) a message Sustain could not take: 250 means committed, 4xx means try again later,
5xx means never (too large). Postfix, Exim and OpenSMTPD all relay to it with a transport map.
"""

from __future__ import annotations

import logging
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections

from sustain.core.errors import PayloadTooLarge
from sustain.mail.services import receive

logger = logging.getLogger(__name__)


def _receive(raw: bytes) -> None:
    close_old_connections()
    try:
        receive(raw, source="smtp")
    finally:
        close_old_connections()


class InboundHandler:
    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        try:
            await sync_to_async(_receive, thread_sensitive=False)(raw)
        except PayloadTooLarge as exc:
            return f"552 5.3.4 {exc.detail}"
        except Exception:
            logger.exception("inbound mail from %s could not be processed", envelope.mail_from)
            return "451 4.3.0 Sustain could not store the message; try again later"
        return "250 2.0.0 Message accepted"


class LMTPController(Controller):
    def factory(self) -> SMTP:
        return LMTP(self.handler, **self.SMTP_kwargs)


def make_controller(*, host: str, port: int, lmtp: bool = False) -> Controller:
    options: dict[str, Any] = {
        "data_size_limit": settings.SUSTAIN_MAIL_MAX_BYTES,
        # Keep the bytes as sent: the raw copy is what Sustain stores and hashes.
        "decode_data": False,
    }
    controller_class = LMTPController if lmtp else Controller
    return controller_class(InboundHandler(), hostname=host, port=port, **options)
