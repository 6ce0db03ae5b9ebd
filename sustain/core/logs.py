"""Logging pieces that the settings' ``LOGGING`` names."""

from __future__ import annotations

import logging


class ClientErrorsOnOneLine(logging.Filter):
    """A request refused with a 4xx is logged on one line, without a traceback.

    Django logs a ``PermissionDenied``, ``Http404`` or ``SuspiciousOperation`` that a view
    raised with the exception attached, so every 403 printed a traceback that only says where
    the refusal was raised. The status, the reason and the path (the log line) are what an
    operator needs. Server errors (5xx) keep their traceback.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and status < 500 and record.exc_info:
            record.exc_info = None
            record.exc_text = None
        return True
