"""Telling people that a published release fixes their tickets: once per person and release.

The fixed tickets are those whose ``fixed_in_version`` is the release's version. Everybody who
reported or watches one of them gets one e-mail listing all of theirs (a person who reported
one ticket and watches three others gets one message naming four). The e-mails go through the
outbox in the publishing transaction; each is keyed by release and person, and each person
told is recorded once (``FixNotice``, unique per release and person), so a retried publish
neither repeats a message nor records a second notice.

There are no per-person notification preferences in Sustain yet: every active person with an
e-mail address is told. Customers only ever see tickets they report or watch, which their
organisation's rules already let them read; the message names nothing else.

The text is written with plain string formatting rather than a template: a release that fixes
a thousand tickets watched by thousands of people writes thousands of messages in the request
that publishes it (bench/release_publish.py), and a template per message cost most of that.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Model
from django.urls import reverse

from sustain.accounts.choices import CUSTOMER_ROLES
from sustain.accounts.models import User
from sustain.core import fastsql, outbox
from sustain.releases.release_models import FixNotice, Release, ReleaseFix
from sustain.tickets.models import Ticket, ticket_number, ticket_url

# Rows per INSERT: an outbox row binds eight values, and SQLite takes at most 32,766.
BATCH = 500


@dataclass
class Recipient:
    pk: int
    email: str
    name: str
    customer: bool
    ticket_ids: set[int]


@dataclass(frozen=True)
class FanOut:
    """What publishing did: the tickets fixed and the people told (both counts)."""

    tickets: int
    people: int


def tell_fixes(release: Release) -> FanOut:
    """Record the fixed tickets of ``release`` (just published, locked by the caller) and tell
    their reporters and watchers, in the caller's transaction."""
    version_id = release.version_id
    tickets = {
        pk: (title, requester)
        for pk, title, requester in Ticket.objects.filter(fixed_in_version_id=version_id)
        .order_by("pk")
        .values_list("pk", "title", "requester_id")
    }
    _insert(ReleaseFix(release_id=release.pk, ticket_id=pk) for pk in tickets)
    people = _audience(version_id)
    for pk, (_, requester) in tickets.items():
        if requester in people:
            people[requester].ticket_ids.add(pk)
    told = [p for p in people.values() if p.ticket_ids]
    _insert(
        FixNotice(release_id=release.pk, user_id=p.pk, tickets=sorted(p.ticket_ids)) for p in told
    )
    heading = f"{release.version.product.name} {release.version.name}"
    links = {
        True: settings.SUSTAIN_BASE_URL + reverse("portal:release", args=[release.pk]),
        False: settings.SUSTAIN_BASE_URL + reverse("releases:edit", args=[release.pk]),
    }
    # Each ticket's line is written once, however many people it is listed for.
    lines = {pk: _lines(pk, title) for pk, (title, _) in tickets.items()}
    emails = [_email(release.pk, heading, links[p.customer], p, lines) for p in told]
    for batch in _batches(emails):
        outbox.record_emails(batch)
    return FanOut(tickets=len(tickets), people=len(told))


def _audience(version_id: int) -> dict[int, Recipient]:
    """The active people with an address who report or watch a ticket fixed in the version,
    with the watched tickets filled in (the reported ones are added by the caller)."""
    people: dict[int, Recipient] = {}
    # Two narrow reads rather than one OR across two joins: each walks an index of its own.
    for relation in ("requested_tickets", "watched_tickets"):
        rows = (
            User.objects.filter(**{f"{relation}__fixed_in_version_id": version_id}, is_active=True)
            .exclude(email="")
            .values_list("pk", "email", "full_name", "role", f"{relation}__pk")
        )
        for pk, email, name, role, ticket_id in rows:
            person = people.get(pk)
            if person is None:
                customer = role in CUSTOMER_ROLES
                person = people[pk] = Recipient(pk, email, name or email, customer, set())
            if relation == "watched_tickets":
                person.ticket_ids.add(ticket_id)
    return people


def _lines(pk: int, title: str) -> tuple[str, str]:
    """A fixed ticket as the text and the HTML of a message list it."""
    number = ticket_number(pk)
    text = f"  {number}  {title}"
    page = f'<li><a href="{html.escape(ticket_url(number))}">{number}</a> {html.escape(title)}</li>'
    return text, page


def _email(
    release_id: int,
    heading: str,
    link: str,
    person: Recipient,
    lines: dict[int, tuple[str, str]],
) -> outbox.Email:
    listed = [lines[pk] for pk in sorted(person.ticket_ids)]
    what = "a ticket of yours" if len(listed) == 1 else f"{len(listed)} tickets of yours"
    text = (
        f"Hello {person.name},\n\n{heading} is out and fixes {what}:\n\n"
        + "\n".join(t for t, _ in listed)
        + f"\n\nRead the release notes: {link}\n"
    )
    page = (
        f"<p>Hello {html.escape(person.name)},</p>"
        f"<p>{html.escape(heading)} is out and fixes {what}:</p>"
        f"<ul>{''.join(h for _, h in listed)}</ul>"
        f'<p><a href="{html.escape(link)}">Read the release notes</a></p>'
    )
    return outbox.Email(
        key=f"release:{release_id}:fixes:to:{person.pk}",
        to=[person.email],
        subject=f"Fixed in {heading}",
        body=text,
        html_body=page,
    )


def _insert(rows: Iterable[Model]) -> None:
    # One INSERT per batch, skipping rows that exist (a repeated fan-out writes nothing).
    for batch in _batches(list(rows)):
        fastsql.insert_rows(batch, skip_conflicts=True)


def _batches[T](items: list[T]) -> Iterator[list[T]]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]
