"""Ticket endpoints. Each parses input, calls one service and shapes the answer."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Literal

from django.db.models import Model, Prefetch, Q, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from ninja import File, Form, Query, Router
from ninja import Status as HttpStatus
from ninja.files import UploadedFile
from ninja.params.functions import Form as FormField
from pydantic import AwareDatetime, Field

from sustain.accounts.api import actor_of
from sustain.accounts.models import User
from sustain.accounts.schemas import user_ref
from sustain.accounts.services import visible_organisations, visible_team, visible_users
from sustain.catalog.models import Component, Product, Version
from sustain.core.errors import NotFound, ValidationFailed
from sustain.core.openapi import Problem
from sustain.core.pagination import paginate
from sustain.core.renderers import json_response
from sustain.core.schemas import Id, In, Quantity, Text
from sustain.core.uploads import Upload, download_response
from sustain.tickets import creation, linking, services
from sustain.tickets.activity import value_label
from sustain.tickets.choices import Channel, Kind, Status
from sustain.tickets.filters import clean_filters, filter_params, filter_tickets
from sustain.tickets.models import Activity, Attachment, Message, Ticket, TicketLink
from sustain.tickets.rules import allowed_transitions
from sustain.tickets.schemas import (
    ActivityOut,
    BulkIn,
    LinkIn,
    LinkOut,
    MergeIn,
    MessageIn,
    MessageOut,
    TicketDetail,
    TicketIn,
    TicketOut,
    TicketPage,
    TicketPatch,
    TicketTransitionIn,
    TransitionsOut,
)
from sustain.tickets.selectors import get_attachment_for, get_ticket_for, last_update_field
from sustain.tickets.serializers import (
    Lookups,
    link_out,
    message_out,
    row_of,
    ticket_detail,
    ticket_fields,
    ticket_rows,
    visible_links,
)
from sustain.tickets.validation import clean_tags

router = Router(tags=["tickets"])


# --- resolving ids sent by the client -----------------------------------------------------
def _first[M: Model](queryset: QuerySet[M], pk: int) -> M | None:
    return next(iter(queryset.filter(pk=pk).order_by()[:1]), None)


# Each id a client may send: what it names, and how the actor finds one they may see. Only
# the ids actually sent are looked up.
_FINDERS: dict[str, tuple[str, Callable[[User, int], Model | None]]] = {
    "requester_id": ("user", lambda actor, pk: _first(visible_users(actor), pk)),
    "assignee_id": ("user", lambda actor, pk: _first(visible_users(actor), pk)),
    "organisation_id": ("organisation", lambda actor, pk: _first(visible_organisations(actor), pk)),
    "team_id": ("team", visible_team),
    "product_id": ("product", lambda actor, pk: _first(Product.objects.all(), pk)),
    "component_id": ("component", lambda actor, pk: _first(Component.objects.all(), pk)),
    "version_id": ("version", lambda actor, pk: _first(Version.objects.all(), pk)),
    "fixed_in_version_id": ("version", lambda actor, pk: _first(Version.objects.all(), pk)),
}


def _resolve(actor: User, data: dict[str, Any]) -> dict[str, Any]:
    """Turn ``team_id``-style keys into the objects the services take."""
    resolved: dict[str, Any] = {}
    for key, value in data.items():
        if key in _FINDERS:
            what, find = _FINDERS[key]
            found = None if value is None else find(actor, value)
            if value is not None and found is None:
                raise ValidationFailed.field(key, f"No {what} with id {value}.")
            resolved[key.removesuffix("_id")] = found
        elif key == "watcher_ids":
            users = list(visible_users(actor).filter(pk__in=value))
            missing = sorted(set(value) - {u.pk for u in users})
            if missing:
                raise ValidationFailed.field("watcher_ids", f"No users with ids {missing}.")
            resolved["watchers"] = users
        else:
            resolved[key] = value
    return resolved


_CLEARABLE_IDS = (
    "organisation_id",
    "team_id",
    "assignee_id",
    "product_id",
    "component_id",
    "version_id",
    "fixed_in_version_id",
)
# Services name the model field ("assignee"); the client knows it as "assignee_id".
_CLIENT_FIELDS = {name.removesuffix("_id"): name for name in _CLEARABLE_IDS} | {
    "requester": "requester_id",
    "watchers": "watcher_ids",
}


@contextmanager
def _client_field_names() -> Iterator[None]:
    try:
        yield
    except ValidationFailed as exc:
        exc.errors = {_CLIENT_FIELDS.get(k, k): v for k, v in exc.errors.items()}
        raise


# --- tickets ------------------------------------------------------------------------------
class TicketFilters(In):
    status: list[Status] = Field([], description="One or more statuses")
    priority: list[Quantity] = Field([], description="One or more priorities (1–4)")
    kind: list[Kind] = []
    team: Id | None = None
    assignee: str | None = Field(None, description="A user id, `me` or `none`")
    organisation: Id | None = None
    requester: Id | None = None
    version: Id | None = Field(None, description="The affected version")
    fixed_in_version: Id | None = Field(None, description="The version that ships the fix")
    tag: str | None = None
    q: str | None = Field(None, description="A ticket number or words of the title")
    updated_since: AwareDatetime | None = Field(
        None, description="With a UTC offset or Z; compared with each ticket's `updated_at`"
    )
    ordering: Literal[
        "-updated_at",
        "updated_at",
        "-created_at",
        "created_at",
        "priority",
        "-priority",
        "number",
        "-number",
    ] = "-updated_at"
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)


# Every other field of TicketFilters is a filter of tickets/filters.py: the schema declares it
# for the OpenAPI document and checks its type, the filter module checks the rest and applies it.
LIST_OPTIONS = frozenset({"ordering", "cursor", "limit"})


@router.get("/tickets", response=TicketPage, summary="List tickets you can see")
def list_tickets(request: HttpRequest, filters: Query[TicketFilters]) -> HttpResponse:
    actor = actor_of(request)
    params = filter_params(filters.dict(exclude=LIST_OPTIONS, exclude_none=True))
    rows = ticket_rows(filter_tickets(actor, clean_filters(params)))
    order = filters.ordering.replace("number", "id")  # the number is the id, shown prefixed
    order = order.replace("updated_at", last_update_field(actor))
    page = paginate(rows, order=order, cursor=filters.cursor, limit=filters.limit)
    lookups = Lookups.of(page.items)
    customer = actor.is_customer
    body = {
        "items": [ticket_fields(row, lookups, customer=customer) for row in page.items],
        "next_cursor": page.next_cursor,
    }
    # The busiest endpoint writes its rows straight to JSON: validating fifty answers that
    # were built from the database's own typed columns cost a fifth of the request. A test
    # checks every field of this answer against TicketPage.
    return json_response(body)


@router.post("/tickets", response={201: TicketDetail}, summary="Open a ticket")
def create_ticket(request: HttpRequest, payload: TicketIn) -> HttpStatus[TicketDetail]:
    actor = actor_of(request)
    data = payload.dict(exclude_unset=True)
    new = creation.NewTicket(**_resolve(actor, data))
    with _client_field_names():
        ticket = creation.create_ticket(actor=actor, data=new, channel=Channel.API)
    detail = ticket_detail(actor, ticket, new_watchers=new.watchers, new_tags=clean_tags(new.tags))
    return HttpStatus(201, detail)


# Registered before /tickets/{ref}: Django would otherwise route POST /tickets/bulk to the
# {ref} view, which has no POST, and answer 405.
@router.post(
    "/tickets/bulk",
    response={200: list[TicketOut], 404: Problem, 409: Problem},
    summary="Change many tickets at once",
)
def bulk_update(request: HttpRequest, payload: BulkIn) -> list[TicketOut]:
    actor = actor_of(request)
    changes = payload.changes.dict(exclude_unset=True)
    changes.pop("revision", None)
    with _client_field_names():
        tickets = services.bulk_update_tickets(
            actor=actor, refs=payload.tickets, changes=_resolve(actor, changes), channel=Channel.API
        )
    rows = [row_of(t) for t in tickets]
    lookups = Lookups.of(rows)
    return [TicketOut(**ticket_fields(row, lookups)) for row in rows]


@router.get("/tickets/{ref}", response=TicketDetail, summary="One ticket")
def get_ticket(request: HttpRequest, ref: Text) -> TicketDetail:
    return ticket_detail(actor_of(request), ref)


@router.patch(
    "/tickets/{ref}", response={200: TicketDetail, 409: Problem}, summary="Change a ticket"
)
def update_ticket(request: HttpRequest, ref: Text, payload: TicketPatch) -> TicketDetail:
    actor = actor_of(request)
    data = payload.dict(exclude_unset=True)
    revision = data.pop("revision", None)
    with _client_field_names():
        ticket = services.update_ticket(
            actor=actor,
            ref=ref,
            changes=_resolve(actor, data),
            channel=Channel.API,
            expected_revision=revision,
        )
    return ticket_detail(actor, ticket)


@router.get("/tickets/{ref}/transitions", response=TransitionsOut)
def get_transitions(request: HttpRequest, ref: Text) -> TransitionsOut:
    actor = actor_of(request)
    ticket = get_ticket_for(actor, ref)
    allowed = allowed_transitions(ticket.status, customer=actor.is_customer)
    return TransitionsOut(status=Status(ticket.status), allowed=sorted(allowed))


@router.post(
    "/tickets/{ref}/transitions",
    response={200: TicketDetail, 409: Problem},
    summary="Change the status",
)
def transition(request: HttpRequest, ref: Text, payload: TicketTransitionIn) -> TicketDetail:
    actor = actor_of(request)
    services.transition_ticket(actor=actor, ref=ref, status=payload.status, channel=Channel.API)
    return ticket_detail(actor, ref)


# --- conversation -------------------------------------------------------------------------
def _messages(actor: User, ticket: Ticket) -> QuerySet[Message]:
    messages = ticket.messages.select_related("author").prefetch_related(
        Prefetch("attachments", queryset=Attachment.objects.order_by("id"))
    )
    return messages if actor.is_staff_member else messages.filter(is_internal=False)


@router.get("/tickets/{ref}/messages", response=list[MessageOut], summary="The conversation")
def list_messages(request: HttpRequest, ref: Text) -> list[MessageOut]:
    actor = actor_of(request)
    ticket = get_ticket_for(actor, ref)
    return [message_out(m) for m in _messages(actor, ticket)]


@router.post(
    "/tickets/{ref}/messages",
    response={201: MessageOut, 409: Problem},
    summary="Reply or add a note",
)
def add_message(request: HttpRequest, ref: Text, payload: MessageIn) -> HttpStatus[MessageOut]:
    message = services.add_message(
        actor=actor_of(request),
        ref=ref,
        body=payload.body,
        internal=payload.internal,
        channel=Channel.API,
    )
    return HttpStatus(201, message_out(message))


@router.post(
    "/tickets/{ref}/attachments",
    response={201: MessageOut, 409: Problem},
    summary="Upload files (multipart), as a reply or note",
)
def upload_attachments(
    request: HttpRequest,
    ref: Text,
    files: File[list[UploadedFile]],
    # Not Form[Text]: Ninja then loses the default and requires the field.
    body: Text = FormField(""),  # noqa: B008 (Ninja reads the parameter's kind from it)
    internal: Form[bool] = False,
) -> HttpStatus[MessageOut]:
    uploads = [Upload.from_file(f) for f in files]
    message = services.add_message(
        actor=actor_of(request),
        ref=ref,
        body=body,
        internal=internal,
        channel=Channel.API,
        attachments=uploads,
    )
    return HttpStatus(201, message_out(message))


@router.get("/attachments/{attachment_id}", summary="Download a file", response={200: None})
def download_attachment(request: HttpRequest, attachment_id: Id) -> FileResponse:
    return download_response(get_attachment_for(actor_of(request), attachment_id))


_CUSTOMER_ACTIONS = (Activity.Action.CREATED, Activity.Action.REPLIED)


@router.get("/tickets/{ref}/activity", response=list[ActivityOut], summary="The history")
def list_activity(request: HttpRequest, ref: Text) -> list[ActivityOut]:
    actor = actor_of(request)
    ticket = get_ticket_for(actor, ref)
    activities = ticket.activities.select_related("actor")
    if not actor.is_staff_member:
        activities = activities.filter(Q(action__in=_CUSTOMER_ACTIONS) | Q(field="status"))
    return [
        ActivityOut(
            id=a.pk,
            actor=user_ref(a.actor),
            system_actor=a.system_actor or None,
            channel=Channel(a.channel),
            action=a.action,
            field=a.field,
            old_value=_v1_value(a.field, a.old_value),
            new_value=_v1_value(a.field, a.new_value),
            message_id=a.message_id,
            created_at=a.created_at,
        )
        for a in activities
    ]


def _v1_value(field_name: str, value: str) -> str:
    # API v1 has always given status changes by their labels and the other coded fields
    # (priority, kind, …) by their codes; the log now holds codes only, so clients keep that.
    return value_label(field_name, value) if field_name == "status" else value


# --- links and merging --------------------------------------------------------------------
@router.get("/tickets/{ref}/links", response=list[LinkOut])
def list_links(request: HttpRequest, ref: Text) -> list[LinkOut]:
    actor = actor_of(request)
    return visible_links(actor, get_ticket_for(actor, ref))


@router.post(
    "/tickets/{ref}/links", response={201: LinkOut, 409: Problem}, summary="Link to another ticket"
)
def add_link(request: HttpRequest, ref: Text, payload: LinkIn) -> HttpStatus[LinkOut]:
    link = linking.link_tickets(
        actor=actor_of(request),
        source_ref=ref,
        target_ref=payload.target,
        kind=payload.kind,
        channel=Channel.API,
    )
    return HttpStatus(201, link_out(link, link.source_id, link.target.title))


@router.delete("/tickets/{ref}/links/{link_id}", response={204: None})
def remove_link(request: HttpRequest, ref: Text, link_id: Id) -> HttpStatus[None]:
    actor = actor_of(request)
    ticket = get_ticket_for(actor, ref)
    # The link must be one of this ticket's: the URL must not reach links of other tickets.
    if not TicketLink.objects.filter(Q(source=ticket) | Q(target=ticket), pk=link_id).exists():
        raise NotFound(f"{ticket.number} has no link {link_id}.")
    linking.unlink_tickets(actor=actor, link_id=link_id, channel=Channel.API)
    return HttpStatus(204, None)


@router.post(
    "/tickets/{ref}/merge",
    response={200: TicketDetail, 409: Problem},
    summary="Merge into another ticket",
)
def merge(request: HttpRequest, ref: Text, payload: MergeIn) -> TicketDetail:
    actor = actor_of(request)
    target = linking.merge_tickets(
        actor=actor, source_ref=ref, target_ref=payload.target, channel=Channel.API
    )
    return ticket_detail(actor, target.pk)
