"""Rollout pages of the agent workspace: the list with the change failure rate, planning one,
and one rollout with its change's approval and its transitions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from sustain.accounts.access import capability_required, signed_in_user, staff_required
from sustain.accounts.models import User
from sustain.catalog.models import Product
from sustain.core.errors import ServiceError, ValidationFailed
from sustain.core.htmx import render_page
from sustain.core.pagination import paginate
from sustain.core.permissions import Capability
from sustain.core.web_errors import add_service_error
from sustain.releases.rollouts import checks, selectors, services
from sustain.releases.rollouts.choices import TRANSITIONS, RolloutChannel, RolloutStatus
from sustain.releases.rollouts.forms import (
    DecisionForm,
    PlanRolloutForm,
    RolloutFilterForm,
    TransitionForm,
)
from sustain.releases.rollouts.models import Rollout
from sustain.releases.rollouts.panels import PANEL, change_panel
from sustain.tickets import approvals
from sustain.tickets.selectors import get_ticket_for

PAGE = 25
# The buttons of each transition, in the order they are offered.
_ACTIONS = {
    RolloutStatus.IN_PROGRESS: "Start the rollout",
    RolloutStatus.DONE: "Mark done",
    RolloutStatus.ROLLED_BACK: "Roll back",
    RolloutStatus.CANCELLED: "Cancel the rollout",
}


def _int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() and len(raw) < 19 else None


@staff_required
def rollout_list(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    filters = RolloutFilterForm(request.GET)
    rows = selectors.visible_rollouts(actor)
    if filters.is_valid():
        if filters.cleaned_data["status"]:
            rows = rows.filter(status=filters.cleaned_data["status"])
        if filters.cleaned_data["product"]:
            rows = rows.filter(product=filters.cleaned_data["product"])
    rows = selectors.listed(rows)
    try:
        page = paginate(rows, order="-planned_start", cursor=request.GET.get("cursor"), limit=PAGE)
    except ValidationFailed:
        page = paginate(rows, order="-planned_start", cursor=None, limit=PAGE)
    since, until = selectors.rate_period()
    decisions = approvals.latest_decisions([r.change_ticket_id for r in page.items])
    query = request.GET.copy()
    query.pop("cursor", None)
    context = {
        "nav": "rollouts",
        "filters": filters,
        "page": page,
        "rows": [(r, decisions.get(r.change_ticket_id)) for r in page.items],
        "rates": selectors.change_failure_rate(actor, since=since, until=until),
        "may_plan": services.may_write_rollouts(actor),
        "pager_query": query.urlencode(),
    }
    return render_page(request, "releases/rollouts/list.html", context, partial="results")


@capability_required(Capability.ROLLOUTS_WRITE)
def plan(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    product = Product.objects.filter(pk=_int(request.GET.get("product")) or 0).first()
    if request.method == "POST":
        form = PlanRolloutForm(request.POST, viewer=actor)
        if form.is_valid():
            rollout = _plan_from(form, actor)
            if rollout is not None:
                messages.success(
                    request, f"Planned; {rollout.change_ticket.number} awaits approval."
                )
                return redirect(reverse("rollouts:detail", args=[rollout.pk]))
    else:
        initial = {
            "organisation": _int(request.GET.get("organisation")),
            "environment": request.GET.get("environment") or None,
        }
        form = PlanRolloutForm(
            initial={k: v for k, v in initial.items() if v}, viewer=actor, product=product
        )
    status = 422 if form.errors else 200
    context = {"nav": "rollouts", "form": form, "product": product}
    return render_page(request, "releases/rollouts/plan.html", context, status=status)


def _plan_from(form: PlanRolloutForm, actor: User) -> Rollout | None:
    data = form.cleaned_data
    try:
        return services.plan_rollout(
            actor=actor,
            plan=services.RolloutPlan(
                organisation=data["organisation"],
                version=form.version_row(),
                planned_start=data["planned_start"],
                environment=data["environment"],
                note=data["note"],
                change_ticket=data["change_ticket"] or None,
            ),
            channel=RolloutChannel.STAFF,
        )
    except ValidationFailed as exc:
        add_service_error(form, exc)
        return None


def _detail_context(actor: User, rollout: Rollout, **extra: Any) -> dict[str, Any]:
    ticket = rollout.change_ticket
    # Whoever may see the rollout sees its change's approval, whichever team works the ticket.
    decisions = approvals.decisions_of(ticket.pk)
    latest = decisions[-1] if decisions else None
    may_write = services.may_write_rollouts(actor)
    refusal = approvals.refusal(actor, ticket)
    actions = [
        (status, label)
        for status, label in _ACTIONS.items()
        if may_write and status in TRANSITIONS[rollout.status]
    ]
    return {
        "nav": "rollouts",
        "rollout": rollout,
        "ticket": ticket,
        "events": selectors.events_of(rollout),
        "decisions": decisions,
        "latest": latest,
        "approved": approvals.is_approved(ticket),
        "may_decide": refusal is None,
        "decide_refusal": refusal if actor.can(Capability.CHANGES_APPROVE) else None,
        "actions": actions,
        # What other apps find about its timing (outside every maintenance window), while
        # it may still be moved.
        "plan_problems": (
            checks.problems_of(rollout.product_id, rollout.planned_start)
            if rollout.status == RolloutStatus.PLANNED
            else []
        ),
        "decision_form": extra.pop("decision_form", None) or DecisionForm(),
        **extra,
    }


@staff_required
def detail(request: HttpRequest, rollout_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    rollout = selectors.get_rollout_for(actor, rollout_id)
    return render_page(request, "releases/rollouts/detail.html", _detail_context(actor, rollout))


@staff_required
@require_POST
def transition(request: HttpRequest, rollout_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    form = TransitionForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationFailed("Choose what to do with the rollout.")
        done = services.transition_rollout(
            actor=actor,
            rollout_id=rollout_id,
            status=form.cleaned_data["status"],
            note=form.cleaned_data["note"],
            channel=RolloutChannel.STAFF,
        )
    except ServiceError as exc:
        rollout = selectors.get_rollout_for(actor, rollout_id)
        context = _detail_context(actor, rollout, transition_error=exc.detail)
        return render_page(request, "releases/rollouts/detail.html", context, status=exc.status)
    messages.success(request, f"The rollout is {done.get_status_display().lower()}.")
    return redirect(reverse("rollouts:detail", args=[rollout_id]))


@staff_required
@require_POST
def decide(request: HttpRequest, rollout_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    rollout = selectors.get_rollout_for(actor, rollout_id)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            approval = approvals.decide_change(
                actor=actor,
                ref=rollout.change_ticket_id,
                decision=form.cleaned_data["decision"],
                comment=form.cleaned_data["comment"],
            )
        except ServiceError as exc:
            add_service_error(form, exc)
            status = exc.status
        else:
            messages.success(
                request, f"{rollout.change_ticket.number}: {approval.get_decision_display()}."
            )
            return redirect(reverse("rollouts:detail", args=[rollout_id]))
    else:
        status = 422
    context = _detail_context(actor, rollout, decision_form=form)
    return render_page(request, "releases/rollouts/detail.html", context, status=status)


@staff_required
@require_POST
def decide_change(request: HttpRequest, ref: str) -> HttpResponse:
    """A decision from the change approval panel of a ticket's page (htmx): the page reloads
    to show it on the timeline; a refusal redraws the panel with it."""
    actor = signed_in_user(request)
    form = DecisionForm(request.POST)
    ticket = get_ticket_for(actor, ref)
    try:
        if not form.is_valid():
            raise ValidationFailed("Approve or reject, with a comment of at most 1000 characters.")
        approvals.decide_change(
            actor=actor,
            ref=ticket.pk,
            decision=form.cleaned_data["decision"],
            comment=form.cleaned_data["comment"],
        )
    except ServiceError as exc:
        context = change_panel(
            actor, ticket, error=exc.detail, comment=request.POST.get("comment", "")
        )
        return render(
            request,
            PANEL.template,
            {"panel": context, "title": PANEL.title},
            status=exc.status,
        )
    if getattr(request, "htmx", False):
        return HttpResponse(status=204, headers={"HX-Refresh": "true"})
    return redirect(reverse("desk:detail", args=[ticket.number]))
