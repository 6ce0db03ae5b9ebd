"""Planning and moving rollouts. One transaction each, the acting person checked.

- **Plan**: a rollout of ``version`` to an organisation's environment, starting at a planned
  time, tied to a change ticket: an existing one (a change the actor may read, of that
  organisation or internal, of that product or none) or a new one opened through the ticket
  services ("Roll out Gizmo 4.3.0 to Acme (production)").
- **Start** (planned → in progress): only once the change ticket is approved by a lead
  (``tickets.approvals``); refused otherwise (409 naming ``change_ticket``). One rollout at a
  time moves a deployment.
- **Done** (in progress → done): the deployment is set to the version through the deployments
  services (channel "rollout"), so its history records it.
- **Rolled back** (in progress → rolled back): the deployment keeps the version it ran; a
  reason is required. It counts as a failure in the change failure rate.
- **Cancelled** (planned → cancelled): never went out, counts nowhere.

Who may: people whose role may write rollouts (``rollouts.write``: engineers, leads,
administrators). Completing one sets a deployment, which their role may too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from sustain.accounts.models import Organisation, User
from sustain.catalog.models import Version
from sustain.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from sustain.core.permissions import Capability
from sustain.releases.deployments.choices import DeploymentChannel
from sustain.releases.deployments.models import Deployment
from sustain.releases.deployments.selectors import check_environment
from sustain.releases.deployments.services import set_deployment
from sustain.releases.rollouts import checks
from sustain.releases.rollouts.choices import TRANSITIONS, RolloutChannel, RolloutStatus
from sustain.releases.rollouts.models import NOTE_MAX_LENGTH, Rollout, RolloutEvent
from sustain.releases.rollouts.selectors import get_rollout_for
from sustain.tickets import approvals
from sustain.tickets.choices import Channel, Kind
from sustain.tickets.creation import NewTicket, create_ticket
from sustain.tickets.models import Ticket
from sustain.tickets.selectors import get_ticket_for

# The ticket channel a rollout's change is opened through, by the rollout's channel.
_TICKET_CHANNEL = {
    RolloutChannel.STAFF: Channel.WEB,
    RolloutChannel.API: Channel.API,
    RolloutChannel.CLI: Channel.SYSTEM,
}
NOT_ALLOWED = "Only engineers, leads and administrators may plan and move rollouts."


def may_write_rollouts(actor: User) -> bool:
    return actor.is_active and actor.can(Capability.ROLLOUTS_WRITE)


def _require(actor: User) -> None:
    if not may_write_rollouts(actor):
        raise PermissionDenied(NOT_ALLOWED)


def _clean_note(note: str, *, required: str = "") -> str:
    note = (note or "").strip()
    if required and not note:
        raise ValidationFailed.field("note", required)
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationFailed.field("note", f"At most {NOTE_MAX_LENGTH} characters.")
    return note


# --- plan -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class RolloutPlan:
    organisation: Organisation
    version: Version
    planned_start: datetime
    environment: str | None = None
    note: str = ""
    # An existing change ticket (its number or id); None opens a new one.
    change_ticket: str | None = None


def change_title(plan: RolloutPlan, environment: str) -> str:
    product = plan.version.product.name
    return f"Roll out {product} {plan.version.name} to {plan.organisation.name} ({environment})"


def plan_rollout(*, actor: User, plan: RolloutPlan, channel: RolloutChannel) -> Rollout:
    _require(actor)
    environment = check_environment(plan.environment)
    note = _clean_note(plan.note)
    if timezone.is_naive(plan.planned_start):
        raise ValidationFailed.field("planned_start", "Give a time zone (or UTC).")
    refusals = [
        p.message
        for p in checks.problems_of(plan.version.product_id, plan.planned_start)
        if p.refuses
    ]
    if refusals:
        raise Conflict(" ".join(refusals), errors={"planned_start": refusals})
    with transaction.atomic():
        if plan.change_ticket:
            ticket = _existing_change(actor, plan, plan.change_ticket)
        else:
            ticket = _new_change(actor, plan, environment, note, channel)
        current = _current(plan.organisation.pk, plan.version.product_id, environment)
        rollout = Rollout.objects.create(
            organisation=plan.organisation,
            product_id=plan.version.product_id,
            environment=environment,
            version=plan.version,
            from_version=current,
            from_name=current.name if current else "",
            change_ticket=ticket,
            planned_start=plan.planned_start,
            note=note,
            planned_by=actor,
        )
        _record(rollout, "", RolloutStatus.PLANNED, actor, channel, note)
    return rollout


def _existing_change(actor: User, plan: RolloutPlan, ref: str) -> Ticket:
    try:
        ticket = get_ticket_for(actor, ref.strip())
    except NotFound as exc:  # to the client a bad field, not a missing page
        raise ValidationFailed.field("change_ticket", f"No ticket {ref}.") from exc
    if ticket.kind != Kind.CHANGE:
        raise ValidationFailed.field("change_ticket", f"{ticket.number} is not a change.")
    if ticket.organisation_id not in (None, plan.organisation.pk):
        raise ValidationFailed.field(
            "change_ticket", f"{ticket.number} belongs to another organisation."
        )
    if ticket.product_id not in (None, plan.version.product_id):
        raise ValidationFailed.field("change_ticket", f"{ticket.number} is about another product.")
    return ticket


def _new_change(
    actor: User, plan: RolloutPlan, environment: str, note: str, channel: RolloutChannel
) -> Ticket:
    title = change_title(plan, environment)
    start = plan.planned_start.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    description = f"{title}, planned to start {start}." + (f"\n\n{note}" if note else "")
    return create_ticket(
        actor=actor,
        data=NewTicket(
            title=title,
            description=description,
            kind=Kind.CHANGE,
            organisation=plan.organisation,
            product=plan.version.product,
        ),
        channel=_TICKET_CHANNEL[channel],
    )


def _current(organisation_id: int, product_id: int, environment: str) -> Version | None:
    row = (
        Deployment.objects.filter(
            organisation_id=organisation_id, product_id=product_id, environment=environment
        )
        .select_related("version")
        .first()
    )
    return row.version if row else None


def _record(
    rollout: Rollout,
    old: str,
    new: str,
    actor: User,
    channel: RolloutChannel,
    note: str,
) -> RolloutEvent:
    return RolloutEvent.objects.create(
        rollout=rollout, from_status=old, to_status=new, actor=actor, channel=channel, note=note
    )


# --- transitions ----------------------------------------------------------------------------
def transition_rollout(
    *,
    actor: User,
    rollout_id: int,
    status: str,
    note: str = "",
    channel: RolloutChannel,
) -> Rollout:
    """Move a rollout to ``status`` (in_progress, done, rolled_back, cancelled) — the one door
    the pages, the API and the command line go through."""
    _require(actor)
    if status not in RolloutStatus.values:
        allowed = ", ".join(RolloutStatus.values)
        raise ValidationFailed.field("status", f"'{status}' is not one of: {allowed}.")
    required = "Say why it was rolled back." if status == RolloutStatus.ROLLED_BACK else ""
    note = _clean_note(note, required=required)
    with transaction.atomic():
        rollout = _locked(actor, rollout_id)
        old = rollout.status
        if status not in TRANSITIONS[old]:
            listed = ", ".join(sorted(TRANSITIONS[old])) or "none"
            raise Conflict(
                f"A rollout that is {RolloutStatus(old).label.lower()} cannot move to "
                f"'{status}'. Allowed: {listed}.",
                errors={"status": [f"allowed transitions: {listed}"]},
            )
        now = timezone.now()
        if status == RolloutStatus.IN_PROGRESS:
            _start(rollout, actor, now)
        elif status == RolloutStatus.DONE:
            _complete(rollout, actor, note)
        if status in (RolloutStatus.DONE, RolloutStatus.ROLLED_BACK, RolloutStatus.CANCELLED):
            rollout.finished_at = now
            rollout.finished_by = actor
        rollout.status = status
        try:
            with transaction.atomic():
                rollout.save()
        except IntegrityError:
            raise _busy(rollout) from None
        _record(rollout, old, status, actor, channel, note)
    return rollout


def _locked(actor: User, rollout_id: int) -> Rollout:
    # The visibility check is the selector's; the lock is taken on the row it found.
    found = get_rollout_for(actor, rollout_id)
    return (
        Rollout.objects.select_for_update(of=("self",))
        .select_related("organisation", "product", "version", "change_ticket")
        .get(pk=found.pk)
    )


def _start(rollout: Rollout, actor: User, now: datetime) -> None:
    ticket = rollout.change_ticket
    if not approvals.is_approved(ticket):
        latest = approvals.latest_decision(ticket.pk)
        state = "was rejected" if latest is not None else "is not approved yet"
        if ticket.kind != Kind.CHANGE:
            state = "is no longer a change"
        raise Conflict(
            f"The change {ticket.number} {state}: a lead must approve it before the rollout "
            "starts.",
            errors={"change_ticket": [f"{ticket.number} {state}"]},
        )
    if _other_in_progress(rollout):
        raise _busy(rollout)
    current = _current(rollout.organisation_id, rollout.product_id, rollout.environment)
    rollout.from_version = current
    rollout.from_name = current.name if current else ""
    rollout.started_at = now
    rollout.started_by = actor


def _other_in_progress(rollout: Rollout) -> bool:
    return (
        Rollout.objects.filter(
            organisation_id=rollout.organisation_id,
            product_id=rollout.product_id,
            environment=rollout.environment,
            status=RolloutStatus.IN_PROGRESS,
        )
        .exclude(pk=rollout.pk)
        .exists()
    )


def _busy(rollout: Rollout) -> Conflict:
    return Conflict(
        f"Another rollout of {rollout.product.name} to {rollout.organisation.name} "
        f"({rollout.environment}) is in progress; finish it first.",
        errors={"status": ["another rollout of this deployment is in progress"]},
    )


def _complete(rollout: Rollout, actor: User, note: str) -> None:
    text = f"Rollout {rollout.pk} ({rollout.change_ticket.number})" + (f": {note}" if note else "")
    outcome = set_deployment(
        actor=actor,
        organisation=rollout.organisation,
        version=rollout.version,
        environment=rollout.environment,
        note=text[:500],
        channel=DeploymentChannel.ROLLOUT,
    )
    rollout.deployment_change = outcome.change
