"""Input and output of the deployments API (names start with ``Deployment``: ninja files a
schema under its class name, and every name is the document's once)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from sustain.accounts.schemas import UserRef, user_ref
from sustain.core.schemas import Id, In, Out, Ref, Text
from sustain.releases.deployments.choices import DeploymentChangeKind, DeploymentChannel
from sustain.releases.deployments.models import (
    ENVIRONMENT_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    Deployment,
    DeploymentChange,
    DeploymentHook,
)


class DeploymentVersionRef(Out):
    """A version as the history names it: ``id`` null once the version left the catalogue."""

    id: int | None
    name: str


class DeploymentOut(Out):
    id: int
    organisation: Ref
    product: Ref
    environment: str
    version: Ref
    since: datetime
    changed_by: UserRef | None
    channel: DeploymentChannel
    note: str

    @classmethod
    def of(cls, row: Deployment) -> DeploymentOut:
        return cls(
            id=row.pk,
            organisation=Ref(id=row.organisation.pk, name=row.organisation.name),
            product=Ref(id=row.product.pk, name=row.product.name),
            environment=row.environment,
            version=Ref(id=row.version.pk, name=row.version.name),
            since=row.since,
            changed_by=user_ref(row.changed_by),
            channel=DeploymentChannel(row.channel),
            note=row.note,
        )


class DeploymentPage(Out):
    items: list[DeploymentOut]
    next_cursor: str | None


class DeploymentFilters(In):
    product_id: Id | None = None
    organisation_id: Id | None = None
    version_id: Id | None = None
    environment: Text | None = Field(None, max_length=ENVIRONMENT_MAX_LENGTH)
    phase: Text | None = Field(
        None,
        max_length=40,
        description=(
            "Only deployments of versions in this support phase on the site's day: "
            "`maintained`, `active`, `security`, `extended`, `eol`, `upcoming` or `none` (no "
            "release line holds the version); see docs/deployments.md."
        ),
    )


class DeploymentPageParams(In):
    cursor: Text | None = Field(None, description="`next_cursor` of the previous page")
    limit: int = Field(100, ge=1, le=500)


class DeploymentIn(In):
    organisation_id: Id
    version_id: Id
    environment: Text | None = Field(
        None,
        max_length=ENVIRONMENT_MAX_LENGTH,
        description="One of `GET /deployment-environments`; the first of them if left out.",
    )
    note: Text = Field("", max_length=NOTE_MAX_LENGTH)


class DeploymentSetOut(Out):
    """The deployment after a set; ``changed`` is false when that version already ran there."""

    deployment: DeploymentOut
    changed: bool


class DeploymentChangeOut(Out):
    id: int
    organisation: Ref
    product: Ref
    environment: str
    kind: DeploymentChangeKind
    from_version: DeploymentVersionRef | None
    to_version: DeploymentVersionRef | None
    actor: UserRef | None
    channel: DeploymentChannel
    hook: Ref | None
    delivery_id: str
    note: str
    created_at: datetime

    @classmethod
    def of(cls, row: DeploymentChange) -> DeploymentChangeOut:
        def version(pk: int | None, name: str) -> DeploymentVersionRef | None:
            return DeploymentVersionRef(id=pk, name=name) if name else None

        return cls(
            id=row.pk,
            organisation=Ref(id=row.organisation.pk, name=row.organisation.name),
            product=Ref(id=row.product.pk, name=row.product.name),
            environment=row.environment,
            kind=DeploymentChangeKind(row.kind),
            from_version=version(row.from_version_id, row.from_name),
            to_version=version(row.to_version_id, row.to_name),
            actor=user_ref(row.actor),
            channel=DeploymentChannel(row.channel),
            hook=Ref(id=row.hook.pk, name=row.hook.name) if row.hook else None,
            delivery_id=row.delivery_id,
            note=row.note,
            created_at=row.created_at,
        )


class DeploymentChangePage(Out):
    items: list[DeploymentChangeOut]
    next_cursor: str | None


class DeploymentHistoryFilters(In):
    organisation_id: Id | None = None
    product_id: Id | None = None
    environment: Text | None = Field(None, max_length=ENVIRONMENT_MAX_LENGTH)


class DeploymentEnvironmentsOut(Out):
    environments: list[str] = Field(..., description="The declared environments.")
    default: str


class DeploymentHookIn(In):
    name: Text = Field(..., min_length=1, max_length=100)
    organisation_id: Id | None = Field(
        None, description="Only this organisation's deployments; left out: any organisation."
    )
    product_id: Id | None = Field(None, description="Only this product's versions.")


class DeploymentHookOut(Out):
    id: int
    name: str
    organisation: Ref | None
    product: Ref | None
    prefix: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None
    delivery_path: str = Field(..., description="Where the pipeline POSTs its reports.")

    @classmethod
    def fields_of(cls, hook: DeploymentHook) -> dict[str, object]:
        org, product = hook.organisation, hook.product
        return {
            "id": hook.pk,
            "name": hook.name,
            "organisation": Ref(id=org.pk, name=org.name) if org else None,
            "product": Ref(id=product.pk, name=product.name) if product else None,
            "prefix": hook.prefix,
            "created_at": hook.created_at,
            "revoked_at": hook.revoked_at,
            "last_used_at": hook.last_used_at,
            "delivery_path": f"/api/v1/deployment-hooks/{hook.pk}/deliveries",
        }

    @classmethod
    def of(cls, hook: DeploymentHook) -> DeploymentHookOut:
        return cls.model_validate(cls.fields_of(hook))


class DeploymentHookCreated(DeploymentHookOut):
    secret: str = Field(..., description="The signing secret (`whsec_…`), shown this once.")


class DeploymentDeliveryOut(Out):
    delivery_id: str
    duplicate: bool = Field(..., description="A delivery with this id was acted on before.")
    changed: bool
    deployment_id: int | None
    change: DeploymentChangeOut | None
