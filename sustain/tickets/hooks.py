"""Reactions of other apps to ticket changes, declared in one place.

The ticket services call :func:`ticket_changed` inside their transaction with the ids of
tickets whose SLA-relevant state changed (created, priority, status, a message, a bulk update,
a merge). Apps that react register a function here from their ``AppConfig.ready()``; tickets
itself knows nothing of them. A hook runs in the caller's transaction, so its writes commit or
roll back with the change.

:func:`message_added` is called the same way, with each new public reply or internal note
(the knowledge base counts the articles a message links to).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from sustain.tickets.models import Message


class TicketChangedHook(Protocol):
    """Called with the ids of changed tickets; ``created`` says they were created just now
    (in this transaction), so they have nothing of their own yet to read back."""

    def __call__(self, ticket_ids: Collection[int], *, created: bool = False) -> None: ...


MessageAddedHook = Callable[["Message"], None]

# Fields whose change may move a clock (policy match, targets, pauses); other edits skip hooks.
RELEVANT_FIELDS = frozenset(
    {"priority", "impact", "urgency", "status", "kind", "organisation", "product", "tags"}
)

_ticket_changed: list[TicketChangedHook] = []
_message_added: list[MessageAddedHook] = []


def on_ticket_changed(hook: TicketChangedHook) -> TicketChangedHook:
    """Register ``hook`` (once, however often ``ready()`` runs)."""
    if hook not in _ticket_changed:
        _ticket_changed.append(hook)
    return hook


def ticket_changed(ticket_ids: Collection[int], *, created: bool = False) -> None:
    if not ticket_ids:
        return
    for hook in _ticket_changed:
        hook(ticket_ids, created=created)


def on_message_added(hook: MessageAddedHook) -> MessageAddedHook:
    """Register ``hook`` for new messages (once, however often ``ready()`` runs)."""
    if hook not in _message_added:
        _message_added.append(hook)
    return hook


def message_added(message: Message) -> None:
    for hook in _message_added:
        hook(message)
