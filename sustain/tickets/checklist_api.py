"""A ticket's checklist through the API: read it, add items, tick them."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router
from ninja import Status as HttpStatus
from pydantic import Field

from sustain.accounts.api import actor_of
from sustain.accounts.schemas import UserRef, user_ref
from sustain.core.openapi import Problem
from sustain.core.schemas import Id, In, Out, Text
from sustain.tickets import checklists
from sustain.tickets.choices import Channel
from sustain.tickets.models import CHECKLIST_ITEM_MAX_LENGTH, CHECKLIST_MAX_ITEMS, ChecklistItem

router = Router(tags=["tickets"])


class ChecklistItemIn(In):
    text: Text = Field(..., min_length=1, max_length=CHECKLIST_ITEM_MAX_LENGTH)
    mandatory: bool = Field(False, description="A mandatory item must be done to resolve.")


class ChecklistItemsIn(In):
    items: list[ChecklistItemIn] = Field(..., min_length=1, max_length=CHECKLIST_MAX_ITEMS)


class ChecklistTickIn(In):
    done: bool


class ChecklistItemOut(Out):
    id: int
    text: str
    mandatory: bool
    done: bool
    done_at: datetime | None
    done_by: UserRef | None

    @classmethod
    def of(cls, row: ChecklistItem) -> ChecklistItemOut:
        return cls(
            id=row.pk,
            text=row.text,
            mandatory=row.mandatory,
            done=row.done,
            done_at=row.done_at,
            done_by=user_ref(row.done_by),
        )


class ChecklistOut(Out):
    items: list[ChecklistItemOut]
    open_mandatory: int = Field(
        ..., description="Mandatory items still open: the ticket cannot be resolved while > 0."
    )


def _checklist(rows: list[ChecklistItem]) -> ChecklistOut:
    return ChecklistOut(
        items=[ChecklistItemOut.of(row) for row in rows],
        open_mandatory=sum(1 for row in rows if row.mandatory and not row.done),
    )


@router.get(
    "/tickets/{ref}/checklist", response=ChecklistOut, summary="A ticket's checklist, in order"
)
def get_checklist(request: HttpRequest, ref: Text) -> ChecklistOut:
    _, rows = checklists.checklist_for(actor_of(request), ref)
    return _checklist(rows)


@router.post(
    "/tickets/{ref}/checklist",
    response={201: ChecklistOut},
    summary="Add items to a ticket's checklist",
)
def add_items(
    request: HttpRequest, ref: Text, payload: ChecklistItemsIn
) -> HttpStatus[ChecklistOut]:
    actor = actor_of(request)
    checklists.add_checklist_items(
        actor=actor,
        ref=ref,
        items=[checklists.NewItem(i.text, i.mandatory) for i in payload.items],
        channel=Channel.API,
    )
    return HttpStatus(201, _checklist(checklists.checklist_for(actor, ref)[1]))


@router.patch(
    "/tickets/{ref}/checklist/{item_id}",
    response={200: ChecklistItemOut, 409: Problem},
    summary="Tick a checklist item (done) or open it again",
)
def tick_item(
    request: HttpRequest, ref: Text, item_id: Id, payload: ChecklistTickIn
) -> ChecklistItemOut:
    row = checklists.tick_checklist_item(
        actor=actor_of(request), ref=ref, item_id=item_id, done=payload.done, channel=Channel.API
    )
    return ChecklistItemOut.of(row)
