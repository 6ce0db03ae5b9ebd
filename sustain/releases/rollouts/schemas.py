"""Input and output of the rollouts API (names start with ``Rollout``: ninja files a schema
under its class name, and every name is the document's once)."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, Field

from sustain.accounts.schemas import UserRef, user_ref
from sustain.core.schemas import Id, In, Out, Ref, Text
from sustain.releases.deployments.models import ENVIRONMENT_MAX_LENGTH
from sustain.releases.rollouts.choices import RolloutChannel, RolloutStatus
from sustain.releases.rollouts.models import NOTE_MAX_LENGTH, Rollout, RolloutEvent
from sustain.releases.rollouts.selectors import FailureRate, FailureRates
from sustain.tickets.choices import ApprovalDecision
from sustain.tickets.models import ChangeApproval


class RolloutVersionRef(Out):
    """A version as the rollout names it: ``id`` null once it left the catalogue."""

    id: int | None
    name: str


class RolloutTicketRef(Out):
    number: str
    title: str
    approval: ApprovalDecision | None = Field(
        ..., description="The change's standing decision: approved, rejected or null (none yet)."
    )


class RolloutOut(Out):
    """A rollout; its notes are empty for customers (they are written for staff)."""

    id: int
    organisation: Ref
    product: Ref
    environment: str
    version: Ref
    from_version: RolloutVersionRef | None
    status: RolloutStatus
    planned_start: datetime
    note: str
    change_ticket: RolloutTicketRef
    planned_by: UserRef | None
    created_at: datetime
    started_at: datetime | None
    started_by: UserRef | None
    finished_at: datetime | None
    finished_by: UserRef | None

    @classmethod
    def of(cls, row: Rollout, decision: ChangeApproval | None, *, staff: bool) -> RolloutOut:
        """``staff`` False (a customer): the notes, written for staff, are left out."""
        ticket = row.change_ticket
        return cls(
            id=row.pk,
            organisation=Ref(id=row.organisation.pk, name=row.organisation.name),
            product=Ref(id=row.product.pk, name=row.product.name),
            environment=row.environment,
            version=Ref(id=row.version.pk, name=row.version.name),
            from_version=(
                RolloutVersionRef(id=row.from_version_id, name=row.from_name)
                if row.from_name
                else None
            ),
            status=RolloutStatus(row.status),
            planned_start=row.planned_start,
            note=row.note if staff else "",
            change_ticket=RolloutTicketRef(
                number=ticket.number,
                title=ticket.title,
                approval=ApprovalDecision(decision.decision) if decision else None,
            ),
            planned_by=user_ref(row.planned_by),
            created_at=row.created_at,
            started_at=row.started_at,
            started_by=user_ref(row.started_by),
            finished_at=row.finished_at,
            finished_by=user_ref(row.finished_by),
        )


class RolloutPage(Out):
    items: list[RolloutOut]
    next_cursor: str | None


class RolloutFilters(In):
    status: RolloutStatus | None = None
    product_id: Id | None = None
    organisation_id: Id | None = None
    environment: Text | None = Field(None, max_length=ENVIRONMENT_MAX_LENGTH)


class RolloutPageParams(In):
    cursor: Text | None = Field(None, description="`next_cursor` of the previous page")
    limit: int = Field(100, ge=1, le=500)


class RolloutIn(In):
    organisation_id: Id
    version_id: Id
    environment: Text | None = Field(
        None,
        max_length=ENVIRONMENT_MAX_LENGTH,
        description="One of `GET /deployment-environments`; the first of them if left out.",
    )
    planned_start: AwareDatetime
    note: Text = Field("", max_length=NOTE_MAX_LENGTH)
    change_ticket: Text | None = Field(
        None,
        max_length=30,
        description="An existing change ticket (`SUS-12`); left out, a new one is opened.",
    )


class RolloutTransitionIn(In):
    status: RolloutStatus = Field(
        ..., description="in_progress (approved change only), done, rolled_back or cancelled"
    )
    note: Text = Field("", max_length=NOTE_MAX_LENGTH, description="Required for rolled_back: why.")


class RolloutEventOut(Out):
    from_status: RolloutStatus | None
    to_status: RolloutStatus
    actor: UserRef | None
    channel: RolloutChannel
    note: str
    created_at: datetime

    @classmethod
    def of(cls, row: RolloutEvent, *, staff: bool) -> RolloutEventOut:
        return cls(
            from_status=RolloutStatus(row.from_status) if row.from_status else None,
            to_status=RolloutStatus(row.to_status),
            actor=user_ref(row.actor),
            channel=RolloutChannel(row.channel),
            note=row.note if staff else "",
            created_at=row.created_at,
        )


class RolloutDetail(RolloutOut):
    events: list[RolloutEventOut]


class RolloutRateFilters(In):
    since: AwareDatetime | None = Field(
        None, description="Start (included); 90 days ago if left out."
    )
    until: AwareDatetime | None = Field(None, description="End (excluded); now if left out.")
    product_id: Id | None = None
    organisation_id: Id | None = None


class RolloutFailureRateOut(Out):
    product: Ref | None
    done: int
    rolled_back: int
    finished: int
    rate: float | None = Field(..., description="rolled_back / finished; null when none finished.")

    @classmethod
    def of(cls, rate: FailureRate) -> RolloutFailureRateOut:
        product = (
            Ref(id=rate.product_id, name=rate.product_name) if rate.product_id is not None else None
        )
        return cls(
            product=product,
            done=rate.done,
            rolled_back=rate.rolled_back,
            finished=rate.finished,
            rate=rate.rate,
        )


class RolloutFailureRatesOut(Out):
    since: datetime
    until: datetime
    overall: RolloutFailureRateOut
    per_product: list[RolloutFailureRateOut]

    @classmethod
    def of(cls, rates: FailureRates) -> RolloutFailureRatesOut:
        return cls(
            since=rates.since,
            until=rates.until,
            overall=RolloutFailureRateOut.of(rates.overall),
            per_product=[RolloutFailureRateOut.of(r) for r in rates.per_product],
        )
