"""Rollouts through the API: list and filter, plan, read, move through their statuses, and
the change failure rate. The change ticket's approval is the tickets API's
(``/tickets/{ref}/approvals``)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Status

from sustain.accounts.api import actor_of
from sustain.accounts.models import User
from sustain.accounts.services import get_organisation_for
from sustain.catalog.models import Version
from sustain.core.errors import NotFound, ValidationFailed
from sustain.core.openapi import Problem
from sustain.core.pagination import paginate
from sustain.core.schemas import Id
from sustain.releases.deployments.selectors import check_environment
from sustain.releases.rollouts import selectors, services
from sustain.releases.rollouts.choices import RolloutChannel
from sustain.releases.rollouts.models import Rollout
from sustain.releases.rollouts.schemas import (
    RolloutDetail,
    RolloutEventOut,
    RolloutFailureRatesOut,
    RolloutFilters,
    RolloutIn,
    RolloutOut,
    RolloutPage,
    RolloutPageParams,
    RolloutRateFilters,
    RolloutTransitionIn,
)
from sustain.tickets.approvals import latest_decision, latest_decisions

router = Router(tags=["rollouts"])


def _detail(actor: User, rollout: Rollout) -> RolloutDetail:
    staff = actor.is_staff_member
    out = RolloutOut.of(rollout, latest_decision(rollout.change_ticket_id), staff=staff)
    events = [RolloutEventOut.of(e, staff=staff) for e in selectors.events_of(rollout)]
    return RolloutDetail(**out.model_dump(), events=events)


@router.get("/rollouts", response=RolloutPage, summary="Rollouts you may see, newest plan first")
def list_rollouts(
    request: HttpRequest, filters: Query[RolloutFilters], page: Query[RolloutPageParams]
) -> RolloutPage:
    actor = actor_of(request)
    rows = selectors.visible_rollouts(actor)
    if filters.status is not None:
        rows = rows.filter(status=filters.status)
    if filters.product_id is not None:
        rows = rows.filter(product_id=filters.product_id)
    if filters.organisation_id is not None:
        rows = rows.filter(organisation_id=filters.organisation_id)
    if filters.environment:
        rows = rows.filter(environment=check_environment(filters.environment))
    found = paginate(
        selectors.listed(rows), order="-planned_start", cursor=page.cursor, limit=page.limit
    )
    decisions = latest_decisions([row.change_ticket_id for row in found.items])
    return RolloutPage(
        items=[
            RolloutOut.of(row, decisions.get(row.change_ticket_id), staff=actor.is_staff_member)
            for row in found.items
        ],
        next_cursor=found.next_cursor,
    )


@router.post(
    "/rollouts",
    response={201: RolloutDetail},
    summary="Plan a rollout of a version to an organisation's environment",
    description=(
        "Tied to a change ticket: `change_ticket` names an existing change (of that "
        "organisation, or internal); left out, a new change is opened. Engineers, leads and "
        "administrators."
    ),
)
def plan_rollout(request: HttpRequest, payload: RolloutIn) -> Status[RolloutDetail]:
    actor = actor_of(request)
    try:
        organisation = get_organisation_for(actor, payload.organisation_id)
    except NotFound:
        raise ValidationFailed.field(
            "organisation_id", f"No organisation with id {payload.organisation_id}."
        ) from None
    version = Version.objects.select_related("product").filter(pk=payload.version_id).first()
    if version is None:
        raise ValidationFailed.field("version_id", f"No version with id {payload.version_id}.")
    plan = services.RolloutPlan(
        organisation=organisation,
        version=version,
        planned_start=payload.planned_start,
        environment=payload.environment,
        note=payload.note,
        change_ticket=payload.change_ticket,
    )
    rollout = services.plan_rollout(actor=actor, plan=plan, channel=RolloutChannel.API)
    return Status(201, _detail(actor, selectors.get_rollout_for(actor, rollout.pk)))


@router.get(
    "/rollouts/change-failure-rate",
    response=RolloutFailureRatesOut,
    summary="Change failure rate: rolled back / finished rollouts in a period",
    description=(
        "Rollouts finished (done or rolled back) in `[since, until)`, the last 90 days by "
        "default, overall and per product. `rate` is null when none finished."
    ),
)
def failure_rate(
    request: HttpRequest, filters: Query[RolloutRateFilters]
) -> RolloutFailureRatesOut:
    since, until = selectors.rate_period(filters.since, filters.until)
    rates = selectors.change_failure_rate(
        actor_of(request),
        since=since,
        until=until,
        product_id=filters.product_id,
        organisation_id=filters.organisation_id,
    )
    return RolloutFailureRatesOut.of(rates)


@router.get("/rollouts/{rollout_id}", response=RolloutDetail, summary="One rollout")
def get_rollout(request: HttpRequest, rollout_id: Id) -> RolloutDetail:
    actor = actor_of(request)
    return _detail(actor, selectors.get_rollout_for(actor, rollout_id))


@router.post(
    "/rollouts/{rollout_id}/transitions",
    response={200: RolloutDetail, 409: Problem},
    summary="Start, finish, roll back or cancel a rollout",
    description=(
        "planned → in_progress (only once the change ticket is approved; 409 otherwise) or "
        "cancelled; in_progress → done (sets the deployment) or rolled_back (`note` says "
        "why; counts in the change failure rate). Anything else is a 409."
    ),
)
def transition(request: HttpRequest, rollout_id: Id, payload: RolloutTransitionIn) -> RolloutDetail:
    actor = actor_of(request)
    services.transition_rollout(
        actor=actor,
        rollout_id=rollout_id,
        status=payload.status,
        note=payload.note,
        channel=RolloutChannel.API,
    )
    return _detail(actor, selectors.get_rollout_for(actor, rollout_id))
