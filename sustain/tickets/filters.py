"""Ticket list filters: each declared once, for every list of tickets.

A filter has a name (the query parameter, e.g. ``status``), a form field that parses and checks
its raw values, and a function that narrows a queryset of tickets for a viewer. Every list —
the API's ``GET /tickets``, the desk's queue and its saved views, the portal, the coming
reports — is ``visible_tickets`` narrowed by :func:`filter_tickets`; none re-implements a filter
or the visibility rule.

The parsers are Django form fields because they already read what a query string holds
(``?status=new&status=open`` is one list value) and word their refusals the way the queue has
always shown them. A bad value raises ``ValidationFailed`` naming every bad parameter, which the
API answers as 422 problem details and the pages show beside the list.

Filters of other apps register here from their ``AppConfig.ready()``, as reactions do in
``hooks.py`` (the SLA's "due within N hours" is ``sla/filters.py``); tickets imports none of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Choices, Exists, OuterRef, Q, QuerySet, Subquery
from django.http import QueryDict

from sustain.core.errors import ValidationFailed
from sustain.core.ids import id_field
from sustain.tickets.choices import (
    FINISHED_STATUSES,
    Kind,
    MaintenanceType,
    Priority,
    Status,
)
from sustain.tickets.models import Tag, Ticket
from sustain.tickets.selectors import last_update_field, parse_ticket_ref, visible_tickets

if TYPE_CHECKING:
    from sustain.accounts.models import User

Narrow = Callable[[QuerySet[Ticket], Any, "User"], QuerySet[Ticket]]
# Cleaned values by filter name: only the filters that were given a value.
FilterValues = Mapping[str, Any]


@dataclass(frozen=True)
class TicketFilter:
    name: str  # the query parameter; unique among filters
    field: forms.Field  # parses the raw values; a multiple-choice field takes several
    narrow: Narrow  # (tickets, cleaned value, viewer) -> tickets
    # Where the condition goes in the list's query, smaller first. The numbers keep the
    # queries of the lists as they were measured (bench/README.md), condition for condition.
    order: int

    @property
    def many(self) -> bool:
        return isinstance(self.field, forms.MultipleChoiceField)


_filters: dict[str, TicketFilter] = {}


def register_filter(ticket_filter: TicketFilter) -> TicketFilter:
    """Register a filter (once, however often ``ready()`` runs: a name is kept once)."""
    _filters[ticket_filter.name] = ticket_filter
    return ticket_filter


def registered_filters() -> list[TicketFilter]:
    return sorted(_filters.values(), key=lambda f: (f.order, f.name))


# --- reading and checking parameters --------------------------------------------------------
def filter_params(data: QueryDict | Mapping[str, Any]) -> dict[str, list[str]]:
    """The non-empty filter parameters of ``data`` (a query string, or a dict of values or
    lists), as lists of stripped strings; a filter that takes one value keeps the first.
    Parameters that are no filter's (``cursor``, ``view``…) are left out."""
    params: dict[str, list[str]] = {}
    for ticket_filter in registered_filters():
        name = ticket_filter.name
        raw: list[Any]
        if isinstance(data, QueryDict):
            raw = data.getlist(name)
        else:
            value: Any = data.get(name, [])
            raw = value if isinstance(value, list) else [value]
        values = [str(v).strip() for v in raw if str(v).strip()]
        if values:
            params[name] = values if ticket_filter.many else values[:1]
    return params


def clean_filters(params: Mapping[str, list[str]]) -> dict[str, Any]:
    """The parsed value of each filter in ``params`` (as :func:`filter_params` gives them).

    Raises ValidationFailed naming every parameter with a bad value."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for ticket_filter in registered_filters():
        values = params.get(ticket_filter.name)
        if not values:
            continue
        try:
            value = ticket_filter.field.clean(values if ticket_filter.many else values[0])
        except ValidationError as exc:
            errors[ticket_filter.name] = list(exc.messages)
            continue
        if value not in (None, "", []):
            cleaned[ticket_filter.name] = value
    if errors:
        raise invalid_parameters(errors)
    return cleaned


def invalid_parameters(errors: dict[str, list[str]]) -> ValidationFailed:
    """The refusal of bad list parameters: one names its parameter, several are listed."""
    if len(errors) == 1:
        [(name, messages)] = errors.items()
        return ValidationFailed(f"{name}: {messages[0]}", errors=errors)
    names = ", ".join(errors)
    return ValidationFailed(f"Some fields are invalid: {names}.", errors=errors)


def filter_tickets(viewer: User, filters: FilterValues) -> QuerySet[Ticket]:
    """The tickets ``viewer`` may read, narrowed by cleaned ``filters`` (of clean_filters)."""
    tickets = visible_tickets(viewer)
    for ticket_filter in registered_filters():
        if ticket_filter.name in filters:
            tickets = ticket_filter.narrow(tickets, filters[ticket_filter.name], viewer)
    return tickets


# --- the ticket domain's own filters ----------------------------------------------------------
_ID = r"\d{1,18}"  # a positive id that the database's bigint can hold


def _in(field: str) -> Narrow:
    return lambda tickets, values, viewer: tickets.filter(**{f"{field}__in": values})


def _where(lookup: str) -> Narrow:
    return lambda tickets, value, viewer: tickets.filter(**{lookup: value})


def _group(relation: str) -> Narrow:
    """A team or an organisation by id, or ``none`` for tickets without one."""

    def narrow(tickets: QuerySet[Ticket], value: str, viewer: User) -> QuerySet[Ticket]:
        if value == "none":
            return tickets.filter(**{f"{relation}__isnull": True})
        return tickets.filter(**{f"{relation}_id": int(value)})

    return narrow


def _updated_since(tickets: QuerySet[Ticket], value: datetime, viewer: User) -> QuerySet[Ticket]:
    # A customer's "updated" is the last change they can see (selectors.last_update_field).
    return tickets.filter(**{f"{last_update_field(viewer)}__gte": value})


def _assignee(tickets: QuerySet[Ticket], value: str, viewer: User) -> QuerySet[Ticket]:
    if value == "me":
        return tickets.filter(assignee_id=viewer.pk)
    if value == "none":
        return tickets.filter(assignee__isnull=True)
    return tickets.filter(assignee_id=int(value))


def _involving(tickets: QuerySet[Ticket], value: str, viewer: User) -> QuerySet[Ticket]:
    """Tickets the user asked for or watches."""
    user_id = viewer.pk if value == "me" else int(value)
    # The watched ids are read first: an OR with a subquery keeps PostgreSQL from walking the
    # requester index in date order, and a customer with old tickets only would then cost a
    # scan of the whole date index.
    watched = list(
        Ticket.watchers.through.objects.filter(user_id=user_id).values_list("ticket_id", flat=True)
    )
    mine = Q(requester_id=user_id)
    return tickets.filter(mine | Q(pk__in=watched) if watched else mine)


def _tagged(tickets: QuerySet[Ticket], name: str, viewer: User) -> QuerySet[Ticket]:
    # EXISTS on the tag's id lets PostgreSQL walk the list's own index and probe the tag
    # index per row (1 ms at 1M tickets); a join on the tag name sorted every match (50 ms).
    tag = Tag.objects.filter(name=name.lower()).values("pk")[:1]
    tagged = Ticket.tags.through.objects.filter(ticket_id=OuterRef("pk"), tag_id=Subquery(tag))
    return tickets.filter(Exists(tagged))


def _search(tickets: QuerySet[Ticket], query: str, viewer: User) -> QuerySet[Ticket]:
    # Every word must appear in the title, in any order; a ticket number finds that ticket.
    # A repeated word would only repeat its LIKE.
    text = Q()
    for word in dict.fromkeys(query.split()):
        text &= Q(title__icontains=word)
    number = parse_ticket_ref(query)
    return tickets.filter(text | Q(pk=number) if number is not None else text)


# Resolved and closed, as the complement of the open statuses ("not finished" rather than the
# four open statuses: PostgreSQL would otherwise AND the large status index into a customer's
# few rows, 10-20 ms at 1M tickets).
FINISHED = sorted(FINISHED_STATUSES)


def _finished(tickets: QuerySet[Ticket], finished: bool, viewer: User) -> QuerySet[Ticket]:
    done = Q(status__in=FINISHED)
    return tickets.filter(done if finished else ~done)


class AwareDateTimeField(forms.Field):
    """An ISO 8601 moment with a UTC offset or Z: without one it would be ambiguous."""

    default_error_messages = {
        "invalid": "Enter an ISO 8601 date and time, e.g. 2026-01-31T09:00:00Z.",
        "naive": "Give the time with a UTC offset or Z.",
    }

    def to_python(self, value: Any) -> datetime | None:
        if value in self.empty_values:
            return None
        try:
            moment = datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if moment.tzinfo is None:
            raise ValidationError(self.error_messages["naive"], code="naive")
        return moment


def _any_of(choices: type[Choices], coerce: Callable[[str], Any] = str) -> forms.Field:
    return forms.TypedMultipleChoiceField(choices=choices.choices, coerce=coerce, required=False)


def _id_or(words: str, message: str) -> forms.Field:
    return forms.RegexField(
        rf"^({words}|{_ID})$", required=False, error_messages={"invalid": message}
    )


def _positive_id() -> forms.Field:
    return id_field(required=False)


def _text(max_length: int | None) -> forms.Field:
    return forms.CharField(required=False, max_length=max_length, strip=True)


def _few_words(query: str) -> None:
    # A query over the length cap is told that one limit, not both.
    if len(query) <= (_TITLE_LENGTH or 0) and len(set(query.split())) > SEARCH_MAX_WORDS:
        raise ValidationError(f"At most {SEARCH_MAX_WORDS} words.", code="too_many_words")


def _search_text() -> forms.Field:
    """The one cap of every ticket search (the API's ``q``, the queue, the desk's search box).

    Each word is one more LIKE over the titles (a scan on SQLite): the length is a title's,
    and the words are capped too, since 250 characters still hold 125 one-letter words.
    """
    return forms.CharField(
        required=False, max_length=_TITLE_LENGTH, strip=True, validators=[_few_words]
    )


def _true_or_false() -> forms.Field:
    return forms.TypedChoiceField(
        choices=[("true", "true"), ("false", "false")],
        coerce=lambda value: value == "true",
        required=False,
        empty_value=None,
    )


# No tag or title is longer: a longer search could only be a mistake (or many words to match).
_TAG_LENGTH = Tag._meta.get_field("name").max_length
_TITLE_LENGTH = Ticket._meta.get_field("title").max_length
# A title of 250 characters has some 40 words; more distinct words can only be a mistake.
SEARCH_MAX_WORDS = 50

for _own in (
    TicketFilter("status", _any_of(Status), _in("status"), order=10),
    TicketFilter("priority", _any_of(Priority, coerce=int), _in("priority"), order=20),
    TicketFilter("kind", _any_of(Kind), _in("kind"), order=30),
    TicketFilter("maintenance_type", _any_of(MaintenanceType), _in("maintenance_type"), order=40),
    TicketFilter("team", _id_or("none", "Choose a team."), _group("team"), order=50),
    TicketFilter(
        "organisation", _id_or("none", "Choose an organisation."), _group("organisation"), order=60
    ),
    TicketFilter(
        "assignee", _id_or("me|none", "Use a user id, 'me' or 'none'."), _assignee, order=70
    ),
    TicketFilter("product", _positive_id(), _where("product_id"), order=80),
    # The affected version, and the version that ships the fix (release notes, fix notices).
    TicketFilter("version", _positive_id(), _where("version_id"), order=82),
    TicketFilter("fixed_in_version", _positive_id(), _where("fixed_in_version_id"), order=84),
    TicketFilter("requester", _positive_id(), _where("requester_id"), order=90),
    TicketFilter("involves", _id_or("me", "Use a user id or 'me'."), _involving, order=95),
    TicketFilter("tag", _text(_TAG_LENGTH), _tagged, order=100),
    # 110: the SLA's "breaching" (sla/filters.py)
    TicketFilter("updated_since", AwareDateTimeField(required=False), _updated_since, order=120),
    TicketFilter("q", _search_text(), _search, order=130),
    TicketFilter("finished", _true_or_false(), _finished, order=140),
):
    register_filter(_own)
