"""Change approval through the API: a change ticket's decisions, and a lead's decision."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router
from ninja import Status as HttpStatus
from pydantic import Field

from sustain.accounts.api import actor_of
from sustain.accounts.schemas import UserRef, user_ref
from sustain.core.openapi import Problem
from sustain.core.schemas import In, Out, Text
from sustain.tickets import approvals
from sustain.tickets.choices import ApprovalDecision, Channel, Kind
from sustain.tickets.models import APPROVAL_COMMENT_MAX_LENGTH, ChangeApproval

router = Router(tags=["tickets"])


class ChangeApprovalIn(In):
    decision: ApprovalDecision
    comment: Text = Field(
        "", max_length=APPROVAL_COMMENT_MAX_LENGTH, description="Required for a rejection."
    )


class ChangeApprovalOut(Out):
    id: int
    decision: ApprovalDecision
    decided_by: UserRef | None
    comment: str
    decided_at: datetime

    @classmethod
    def of(cls, row: ChangeApproval) -> ChangeApprovalOut:
        return cls(
            id=row.pk,
            decision=ApprovalDecision(row.decision),
            decided_by=user_ref(row.decided_by),
            comment=row.comment,
            decided_at=row.decided_at,
        )


class ChangeApprovalsOut(Out):
    approved: bool = Field(
        ..., description="The ticket is a change whose latest decision approves it."
    )
    decision: ApprovalDecision | None = Field(..., description="The latest decision, if any.")
    may_decide: bool = Field(..., description="Whether you may record a decision now.")
    decisions: list[ChangeApprovalOut] = Field(..., description="Every decision, oldest first.")


@router.get(
    "/tickets/{ref}/approvals",
    response=ChangeApprovalsOut,
    summary="The approval of a change ticket: its decisions, oldest first",
)
def list_approvals(request: HttpRequest, ref: Text) -> ChangeApprovalsOut:
    actor = actor_of(request)
    ticket, rows = approvals.decisions_on(actor, ref)
    latest = rows[-1] if rows else None
    return ChangeApprovalsOut(
        approved=ticket.kind == Kind.CHANGE
        and latest is not None
        and latest.decision == ApprovalDecision.APPROVED,
        decision=ApprovalDecision(latest.decision) if latest else None,
        may_decide=approvals.may_decide(actor, ticket),
        decisions=[ChangeApprovalOut.of(row) for row in rows],
    )


@router.post(
    "/tickets/{ref}/approvals",
    response={201: ChangeApprovalOut, 409: Problem},
    summary="Approve or reject a change ticket (leads and administrators)",
    description=(
        "A rejection needs a `comment`. The person who raised the change may not decide on "
        "it unless they are an administrator (403). A ticket that is not a change, or is "
        "resolved or closed, is a 409. The latest decision stands."
    ),
)
def decide(
    request: HttpRequest, ref: Text, payload: ChangeApprovalIn
) -> HttpStatus[ChangeApprovalOut]:
    row = approvals.decide_change(
        actor=actor_of(request),
        ref=ref,
        decision=payload.decision,
        comment=payload.comment,
        channel=Channel.API,
    )
    return HttpStatus(201, ChangeApprovalOut.of(row))
