"""Update policies, deprecation notices and the policy reports through the API.

Every signed-in caller reads a product's policy and notices (as the catalogue); changes need
``catalog.manage``. The reports start from the deployments the caller may see: staff every
organisation's, a customer their own.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router
from ninja import Status as HttpStatus

from sustain.accounts.api import actor_of
from sustain.accounts.models import User
from sustain.accounts.services import get_organisation_for
from sustain.catalog.models import Product, Version
from sustain.core.errors import NotFound, ValidationFailed
from sustain.core.openapi import Problem
from sustain.core.pagination import paginate
from sustain.core.schemas import Id, Ref
from sustain.releases.deployments.schemas import DeploymentPageParams
from sustain.releases.policy import reports, selectors, services
from sustain.releases.policy.calendar import feed_url
from sustain.releases.policy.models import Deprecation, UpdatePolicy
from sustain.releases.policy.schemas import (
    DeprecationAffectingOut,
    DeprecationIn,
    DeprecationOut,
    DeprecationPage,
    DeprecationVersionRef,
    PolicyLifecycleFeedOut,
    PolicyReportBehindPage,
    PolicyReportBehindRow,
    PolicyReportEolPage,
    PolicyReportEolParams,
    PolicyReportEolRow,
    PolicyReportParams,
    UpdatePolicyIn,
    UpdatePolicyOut,
)

router = Router(tags=["update policy"])


def _product(product_id: int) -> Product:
    product = Product.objects.filter(pk=product_id).first()
    if product is None:
        raise NotFound(f"No product {product_id}.")
    return product


def policy_out(policy: UpdatePolicy) -> UpdatePolicyOut:
    return UpdatePolicyOut(
        product=Ref(id=policy.product.pk, name=policy.product.name),
        channels=policy.channels,
        max_minor_behind=policy.max_minor_behind,
        max_days_behind=policy.max_days_behind,
        delivery=policy.delivery,  # type: ignore[arg-type]
        delivery_notes=policy.delivery_notes,
        updated_at=policy.updated_at,
    )


def _ref(version: Version | None) -> DeprecationVersionRef | None:
    return DeprecationVersionRef(id=version.pk, name=version.name) if version else None


def deprecation_out(notice: Deprecation) -> DeprecationOut:
    return DeprecationOut(
        id=notice.pk,
        product=Ref(id=notice.product.pk, name=notice.product.name),
        version=_ref(notice.version),
        feature=notice.feature,
        announced_on=notice.announced_on,
        deprecated_from=_ref(notice.deprecated_from),
        deprecated_on=notice.deprecated_on,
        removed_in=_ref(notice.removed_in),
        removed_on=notice.removed_on,
        text=notice.text,
    )


# --- the policy ------------------------------------------------------------------------------
@router.get(
    "/products/{product_id}/update-policy",
    response={200: UpdatePolicyOut, 404: Problem},
    summary="A product's update policy (404 when it has none)",
)
def get_policy(request: HttpRequest, product_id: Id) -> UpdatePolicyOut:
    actor_of(request)
    policy = selectors.policy_of(_product(product_id))
    if policy is None:
        raise NotFound(f"Product {product_id} has no update policy.")
    return policy_out(policy)


@router.put(
    "/products/{product_id}/update-policy",
    response={200: UpdatePolicyOut, 404: Problem},
    summary="Set (create or replace) a product's update policy",
)
def put_policy(request: HttpRequest, product_id: Id, payload: UpdatePolicyIn) -> UpdatePolicyOut:
    policy = services.set_policy(
        actor=actor_of(request),
        product=_product(product_id),
        data=services.PolicyData(
            channels=[str(c) for c in payload.channels],
            max_minor_behind=payload.max_minor_behind,
            max_days_behind=payload.max_days_behind,
            delivery=payload.delivery,
            delivery_notes=payload.delivery_notes,
        ),
    )
    return policy_out(policy)


@router.delete(
    "/products/{product_id}/update-policy",
    response={204: None, 404: Problem},
    summary="Remove a product's update policy",
)
def delete_policy(request: HttpRequest, product_id: Id) -> HttpStatus[None]:
    if not services.delete_policy(actor=actor_of(request), product=_product(product_id)):
        raise NotFound(f"Product {product_id} has no update policy.")
    return HttpStatus(204, None)


# --- deprecation notices ---------------------------------------------------------------------
def _version_of(product: Product, version_id: int | None, field: str) -> Version | None:
    if version_id is None:
        return None
    version = Version.objects.filter(pk=version_id).first()
    if version is None or version.product_id != product.pk:
        raise ValidationFailed.field(field, f"{product.name} has no version {version_id}.")
    return version


def _deprecation_data(product: Product, payload: DeprecationIn) -> services.DeprecationData:
    return services.DeprecationData(
        version=_version_of(product, payload.version_id, "version_id"),
        feature=payload.feature,
        announced_on=payload.announced_on,
        deprecated_from=_version_of(product, payload.deprecated_from_id, "deprecated_from_id"),
        deprecated_on=payload.deprecated_on,
        removed_in=_version_of(product, payload.removed_in_id, "removed_in_id"),
        removed_on=payload.removed_on,
        text=payload.text,
    )


@router.get(
    "/products/{product_id}/deprecations",
    response={200: DeprecationPage, 404: Problem},
    summary="A product's deprecation notices, newest announcement first",
)
def list_deprecations(
    request: HttpRequest, product_id: Id, page: Query[DeploymentPageParams]
) -> DeprecationPage:
    actor_of(request)
    rows = selectors.deprecations_of(_product(product_id))
    found = paginate(rows, order="-announced_on", cursor=page.cursor, limit=page.limit)
    return DeprecationPage(
        items=[deprecation_out(n) for n in found.items], next_cursor=found.next_cursor
    )


@router.post(
    "/products/{product_id}/deprecations",
    response={201: DeprecationOut, 404: Problem},
    summary="Announce a deprecation: of a version or of a feature",
)
def create_deprecation(
    request: HttpRequest, product_id: Id, payload: DeprecationIn
) -> HttpStatus[DeprecationOut]:
    actor = actor_of(request)
    product = _product(product_id)
    notice = services.create_deprecation(
        actor=actor, product=product, data=_deprecation_data(product, payload)
    )
    return HttpStatus(201, deprecation_out(selectors.get_deprecation(notice.pk)))


@router.get(
    "/deprecations/{deprecation_id}",
    response={200: DeprecationOut, 404: Problem},
    summary="A deprecation notice",
)
def get_deprecation(request: HttpRequest, deprecation_id: Id) -> DeprecationOut:
    actor_of(request)
    return deprecation_out(selectors.get_deprecation(deprecation_id))


@router.put(
    "/deprecations/{deprecation_id}",
    response={200: DeprecationOut, 404: Problem},
    summary="Replace a deprecation notice",
)
def put_deprecation(
    request: HttpRequest, deprecation_id: Id, payload: DeprecationIn
) -> DeprecationOut:
    actor = actor_of(request)
    notice = selectors.get_deprecation(deprecation_id)
    services.update_deprecation(
        actor=actor, notice=notice, data=_deprecation_data(notice.product, payload)
    )
    return deprecation_out(selectors.get_deprecation(deprecation_id))


@router.delete(
    "/deprecations/{deprecation_id}",
    response={204: None, 404: Problem},
    summary="Withdraw a deprecation notice",
)
def delete_deprecation(request: HttpRequest, deprecation_id: Id) -> HttpStatus[None]:
    actor = actor_of(request)
    services.delete_deprecation(actor=actor, notice=selectors.get_deprecation(deprecation_id))
    return HttpStatus(204, None)


@router.get(
    "/organisations/{organisation_id}/deprecations",
    response={200: list[DeprecationAffectingOut], 404: Problem},
    summary="The deprecation notices that concern what an organisation runs",
)
def organisation_deprecations(
    request: HttpRequest, organisation_id: Id
) -> list[DeprecationAffectingOut]:
    actor = actor_of(request)
    organisation = get_organisation_for(actor, organisation_id)
    return [
        DeprecationAffectingOut(
            notice=deprecation_out(a.notice), deployment_ids=[d.pk for d in a.deployments]
        )
        for a in selectors.deprecations_affecting(actor, organisation)
    ]


@router.get(
    "/organisations/{organisation_id}/lifecycle-feed",
    response={200: PolicyLifecycleFeedOut, 404: Problem},
    summary="The address of the lifecycle calendar of what an organisation runs, with your key",
    description="An iCalendar feed of the release lines of the versions the organisation runs. "
    "The key is yours: it opens the feed while you may see the organisation.",
)
def organisation_lifecycle_feed(
    request: HttpRequest, organisation_id: Id
) -> PolicyLifecycleFeedOut:
    actor = actor_of(request)
    organisation = get_organisation_for(actor, organisation_id)
    return PolicyLifecycleFeedOut(url=feed_url(actor, organisation))


# --- reports ---------------------------------------------------------------------------------
def _slice[T](items: list[T], cursor: str | None, limit: int) -> tuple[list[T], str | None]:
    """A page of a report computed in memory: the cursor is the offset of the next row."""
    start = 0
    if cursor:
        if not cursor.isdigit() or len(cursor) > 9:
            raise ValidationFailed.field("cursor", "Not a cursor this list gave.")
        start = int(cursor)
    end = start + limit
    return items[start:end], (str(end) if end < len(items) else None)


def _organisation_filter(actor: User, organisation_id: int | None) -> int | None:
    if organisation_id is not None:
        get_organisation_for(actor, organisation_id)  # 404 for one the caller may not see
    return organisation_id


@router.get(
    "/update-policy/behind",
    response={200: PolicyReportBehindPage, 404: Problem},
    summary="Deployments behind their product's update policy, and by how much",
)
def behind_report(
    request: HttpRequest, params: Query[PolicyReportParams]
) -> PolicyReportBehindPage:
    actor = actor_of(request)
    rows = reports.behind_policy(
        actor,
        product_id=params.product_id,
        environment=params.environment,
        organisation_id=_organisation_filter(actor, params.organisation_id),
    )
    page, next_cursor = _slice(rows, params.cursor, params.limit)
    return PolicyReportBehindPage(
        items=[
            PolicyReportBehindRow(
                deployment_id=r.deployment.pk,
                organisation=Ref(
                    id=r.deployment.organisation.pk, name=r.deployment.organisation.name
                ),
                product=Ref(id=r.deployment.product.pk, name=r.deployment.product.name),
                environment=r.deployment.environment,
                version=r.standing.version,
                target=r.standing.target,
                minor_versions_behind=r.standing.minors_behind,
                superseded_on=r.standing.superseded_on,
                days_behind=r.standing.days_behind,
                over_minor_limit=r.standing.over_minor,
                over_days_limit=r.standing.over_days,
                max_minor_behind=r.standing.max_minor_behind,
                max_days_behind=r.standing.max_days_behind,
                summary=r.standing.summary(),
            )
            for r in page
        ],
        next_cursor=next_cursor,
    )


@router.get(
    "/update-policy/end-of-life",
    response={200: PolicyReportEolPage, 404: Problem},
    summary="Deployments on versions whose release line reaches its end of life within `days`",
)
def eol_report(request: HttpRequest, params: Query[PolicyReportEolParams]) -> PolicyReportEolPage:
    actor = actor_of(request)
    rows = reports.nearing_eol(
        actor,
        days=params.days,
        product_id=params.product_id,
        environment=params.environment,
        organisation_id=_organisation_filter(actor, params.organisation_id),
    )
    page, next_cursor = _slice(rows, params.cursor, params.limit)
    return PolicyReportEolPage(
        items=[
            PolicyReportEolRow(
                deployment_id=r.deployment.pk,
                organisation=Ref(
                    id=r.deployment.organisation.pk, name=r.deployment.organisation.name
                ),
                product=Ref(id=r.deployment.product.pk, name=r.deployment.product.name),
                environment=r.deployment.environment,
                version=r.deployment.version.name,
                release_line=Ref(id=r.line.pk, name=r.line.name) if r.line else None,
                eol=r.eol_on,
                days_left=r.days_left,
            )
            for r in page
        ],
        next_cursor=next_cursor,
    )
