"""Deployments through the API: list and filter, set and remove, an organisation's history,
the webhooks CI/CD pipelines sign their reports with, and the signed delivery endpoint."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Status

from sustain.accounts.api import actor_of
from sustain.accounts.models import Organisation
from sustain.accounts.services import get_organisation_for
from sustain.catalog.models import Product, Version
from sustain.core.errors import NotFound, ValidationFailed
from sustain.core.openapi import Problem
from sustain.core.pagination import paginate
from sustain.core.schemas import Id, Text
from sustain.core.uploads import read_body
from sustain.releases.deployments import selectors, services, webhooks
from sustain.releases.deployments.choices import DeploymentChangeKind, DeploymentChannel
from sustain.releases.deployments.models import Deployment, DeploymentChange
from sustain.releases.deployments.schemas import (
    DeploymentChangeOut,
    DeploymentChangePage,
    DeploymentDeliveryOut,
    DeploymentEnvironmentsOut,
    DeploymentFilters,
    DeploymentHistoryFilters,
    DeploymentHookCreated,
    DeploymentHookIn,
    DeploymentHookOut,
    DeploymentIn,
    DeploymentOut,
    DeploymentPage,
    DeploymentPageParams,
    DeploymentSetOut,
)
from sustain.releases.lifecycle import site_today

router = Router(tags=["deployments"])

_SIGNATURE_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")
_DELIVERY_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "additionalProperties": False,
                "required": ["type", "data"],
                "properties": {
                    "type": {"type": "string", "enum": ["deployment.set", "deployment.removed"]},
                    "timestamp": {"type": "string"},
                    "data": {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {
                            "organisation": {"type": "string"},
                            "product": {"type": "string"},
                            "version": {"type": "string"},
                            "environment": {"type": "string"},
                            "note": {"type": "string"},
                        },
                    },
                },
            }
        }
    },
}
_SIGNATURE_PARAMETERS = [
    {"name": name, "in": "header", "required": True, "schema": {"type": "string"}}
    for name in _SIGNATURE_HEADERS
]


def _id_of[M: (Product, Version)](model: type[M], pk: int | None, field: str) -> M | None:
    if pk is None:
        return None
    found = model.objects.filter(pk=pk).first()
    if found is None:
        raise ValidationFailed.field(field, f"No {model._meta.verbose_name} with id {pk}.")
    return found


def _organisation(request: HttpRequest, organisation_id: int, field: str) -> Organisation:
    try:
        return get_organisation_for(actor_of(request), organisation_id)
    except NotFound:
        raise ValidationFailed.field(field, f"No organisation with id {organisation_id}.") from None


def _listed(rows: QuerySet[Deployment]) -> QuerySet[Deployment]:
    return rows.select_related("organisation", "product", "version", "changed_by")


@router.get(
    "/deployment-environments",
    response=DeploymentEnvironmentsOut,
    summary="The environments a deployment may name",
)
def list_environments(request: HttpRequest) -> DeploymentEnvironmentsOut:
    names = selectors.environments()
    return DeploymentEnvironmentsOut(environments=names, default=names[0])


@router.get("/deployments", response=DeploymentPage, summary="Which organisation runs what, where")
def list_deployments(
    request: HttpRequest, filters: Query[DeploymentFilters], page: Query[DeploymentPageParams]
) -> DeploymentPage:
    rows = selectors.visible_deployments(actor_of(request))
    if filters.product_id is not None:
        rows = rows.filter(product_id=filters.product_id)
    if filters.organisation_id is not None:
        rows = rows.filter(organisation_id=filters.organisation_id)
    if filters.version_id is not None:
        rows = rows.filter(version_id=filters.version_id)
    if filters.environment:
        rows = rows.filter(environment=selectors.check_environment(filters.environment))
    if phase := selectors.check_phase(filters.phase):
        rows = selectors.in_phase(rows, phase, site_today())
    # In the order they were first recorded: a row's place does not move while a client pages.
    found = paginate(_listed(rows), order="id", cursor=page.cursor, limit=page.limit)
    return DeploymentPage(
        items=[DeploymentOut.of(row) for row in found.items], next_cursor=found.next_cursor
    )


@router.post(
    "/deployments",
    response={200: DeploymentSetOut, 201: DeploymentSetOut},
    summary="Set the version an organisation runs in an environment",
    description=(
        "201 when the organisation did not run the product in that environment before, 200 "
        "otherwise (`changed` false when it already ran that version). Staff for any "
        "organisation; a customer admin for their own."
    ),
)
def set_deployment(request: HttpRequest, payload: DeploymentIn) -> Status[DeploymentSetOut]:
    actor = actor_of(request)
    organisation = _organisation(request, payload.organisation_id, "organisation_id")
    version = _id_of(Version, payload.version_id, "version_id")
    assert version is not None
    outcome = services.set_deployment(
        actor=actor,
        organisation=organisation,
        version=version,
        environment=payload.environment,
        note=payload.note,
        channel=DeploymentChannel.API,
    )
    assert outcome.deployment is not None
    row = selectors.get_deployment_for(actor, outcome.deployment.pk)
    created = outcome.change is not None and outcome.change.kind == DeploymentChangeKind.SET
    answer = DeploymentSetOut(deployment=DeploymentOut.of(row), changed=outcome.changed)
    return Status(201 if created else 200, answer)


@router.get("/deployments/{deployment_id}", response=DeploymentOut)
def get_deployment(request: HttpRequest, deployment_id: Id) -> DeploymentOut:
    return DeploymentOut.of(selectors.get_deployment_for(actor_of(request), deployment_id))


@router.delete(
    "/deployments/{deployment_id}",
    response={200: DeploymentChangeOut},
    summary="Remove a deployment (the organisation no longer runs the product there)",
)
def remove_deployment(
    request: HttpRequest, deployment_id: Id, note: Text = ""
) -> DeploymentChangeOut:
    actor = actor_of(request)
    row = selectors.get_deployment_for(actor, deployment_id)
    outcome = services.remove_deployment(
        actor=actor,
        organisation=row.organisation,
        product=row.product,
        environment=row.environment,
        note=note,
        channel=DeploymentChannel.API,
    )
    if outcome.change is None:  # removed meanwhile
        raise NotFound(f"No deployment with id {deployment_id}.")
    return _change_out(outcome.change.pk)


def _change_out(change_id: int) -> DeploymentChangeOut:
    change = DeploymentChange.objects.select_related(
        "organisation", "product", "actor", "hook"
    ).get(pk=change_id)
    return DeploymentChangeOut.of(change)


@router.get(
    "/deployment-history",
    response=DeploymentChangePage,
    summary="Deployment changes, newest first (one organisation's with `organisation_id`)",
)
def list_history(
    request: HttpRequest,
    filters: Query[DeploymentHistoryFilters],
    page: Query[DeploymentPageParams],
) -> DeploymentChangePage:
    actor = actor_of(request)
    rows = selectors.visible_changes(actor).select_related(
        "organisation", "product", "actor", "hook"
    )
    if filters.organisation_id is not None:
        rows = rows.filter(organisation_id=filters.organisation_id)
    if filters.product_id is not None:
        rows = rows.filter(product_id=filters.product_id)
    if filters.environment:
        rows = rows.filter(environment=selectors.check_environment(filters.environment))
    found = paginate(rows, order="-created_at", cursor=page.cursor, limit=page.limit)
    return DeploymentChangePage(
        items=[DeploymentChangeOut.of(row) for row in found.items], next_cursor=found.next_cursor
    )


# --- webhooks ------------------------------------------------------------------------------
@router.get(
    "/deployment-hooks",
    response=list[DeploymentHookOut],
    summary="Deployment webhooks you may manage",
)
def list_hooks(request: HttpRequest) -> list[DeploymentHookOut]:
    return [DeploymentHookOut.of(hook) for hook in selectors.visible_hooks(actor_of(request))]


@router.post(
    "/deployment-hooks",
    response={201: DeploymentHookCreated},
    summary="Create a deployment webhook (its secret is shown once)",
)
def create_hook(request: HttpRequest, payload: DeploymentHookIn) -> Status[DeploymentHookCreated]:
    actor = actor_of(request)
    organisation = (
        _organisation(request, payload.organisation_id, "organisation_id")
        if payload.organisation_id is not None
        else None
    )
    product = _id_of(Product, payload.product_id, "product_id")
    hook, secret = webhooks.create_hook(
        actor=actor, name=payload.name, organisation=organisation, product=product
    )
    created = DeploymentHookCreated.model_validate(
        {**DeploymentHookOut.fields_of(hook), "secret": secret}
    )
    return Status(201, created)


@router.delete(
    "/deployment-hooks/{hook_id}", response={200: DeploymentHookOut}, summary="Revoke a webhook"
)
def revoke_hook(request: HttpRequest, hook_id: Id) -> DeploymentHookOut:
    return DeploymentHookOut.of(webhooks.revoke_hook(actor=actor_of(request), hook_id=hook_id))


@router.post(
    "/deployment-hooks/{hook_id}/deliveries",
    auth=None,
    response={200: DeploymentDeliveryOut, 403: Problem},
    summary="Report a deployment from CI/CD (signed, Standard Webhooks)",
    description=(
        "No API token: the request is signed with the hook's secret as Standard Webhooks "
        "specifies (`webhook-id`, `webhook-timestamp`, `webhook-signature`: HMAC-SHA256 of "
        "`id.timestamp.body`). A signature that does not verify, or a timestamp more than five "
        "minutes away, is refused (403). A delivery is acted on once per `webhook-id`: sent "
        "again it is answered as before (`duplicate` true) and changes nothing. An unknown "
        "version is refused (422) unless the server allows creating versions. "
        "See docs/deployments.md."
    ),
    # No token: the signature is the credential, so a caller without a token gets in ({}).
    openapi_extra={
        "requestBody": _DELIVERY_BODY,
        "parameters": _SIGNATURE_PARAMETERS,
        "security": [{}],
    },
)
def deliver(request: HttpRequest, hook_id: Id) -> DeploymentDeliveryOut:
    body = read_body(request, limit=webhooks.MAX_BODY_BYTES, what="the report", field="body")
    headers = {name: request.headers.get(name, "") for name in _SIGNATURE_HEADERS}
    delivery = webhooks.receive_delivery(hook_id=hook_id, body=body, headers=headers)
    record = delivery.record
    return DeploymentDeliveryOut(
        delivery_id=record.delivery_id,
        duplicate=delivery.duplicate,
        changed=bool(record.outcome.get("changed")),
        deployment_id=record.outcome.get("deployment_id"),
        change=_change_out(record.change_id) if record.change_id else None,
    )
