"""Facts read once per batch: a caller that makes many small changes in one transaction (mail
intake commits ten messages at once) opens ``one_batch``, and a fact that every change
would read again (the SLA policies' fingerprint) is read once inside it.

Only facts that the batch's own changes cannot alter belong here: a change made by another
process meanwhile is seen from the next batch on, as it would be a moment later anyway.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator
from typing import Any

_facts: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "batch_facts", default=None
)


@contextlib.contextmanager
def one_batch() -> Iterator[None]:
    token = _facts.set({})
    try:
        yield
    finally:
        _facts.reset(token)


def read_once[T](name: str, read: Callable[[], T]) -> T:
    """``read()``, or inside ``one_batch`` what it returned the first time ``name`` was asked."""
    facts = _facts.get()
    if facts is None:
        return read()
    if name not in facts:
        facts[name] = read()
    result: T = facts[name]
    return result
