"""Background tasks of the core app: they take ids and call services."""

from __future__ import annotations

import importlib

from django.conf import settings
from huey.contrib.djhuey import db_task

from sustain.core import outbox

# The consumer (`sustain worker`) only autodiscovers modules named ``tasks``; importing the
# schedule here is what registers every periodic job of Sustain with the consumer. It is named
# in the settings because it calls into apps above core.
importlib.import_module(settings.SUSTAIN_SCHEDULE_MODULE)


# retries=0: the outbox keeps its own attempt count and backoff, and a huey retry would only
# find the row claimed or not yet due.
@db_task(retries=0)  # type: ignore[untyped-decorator]  # huey ships no type hints
def deliver_outbox_message_task(message_id: int) -> bool:
    return outbox.deliver(message_id)


@db_task(retries=0)  # type: ignore[untyped-decorator]  # huey ships no type hints
def deliver_outbox_keys_task(keys: list[str]) -> int:
    return outbox.deliver_keys(keys)
