"""Input and output of the update-policy API (names start with ``UpdatePolicy``,
``Deprecation`` or ``PolicyReport``: ninja files a schema under its class name, and every name
is the document's once)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from sustain.core.schemas import Id, In, Out, Ref, Text
from sustain.releases.policy.choices import UpdateChannel, UpdateDelivery
from sustain.releases.policy.models import FEATURE_MAX_LENGTH, NOTES_MAX_LENGTH, TEXT_MAX_LENGTH
from sustain.releases.policy.services import MAX_DAYS_BEHIND, MAX_MINOR_BEHIND


class UpdatePolicyIn(In):
    channels: list[UpdateChannel] = Field(
        min_length=1,
        max_length=len(UpdateChannel),
        description="`stable`: measured against the latest supported version; `lts`: a "
        "deployment on a maintained LTS line is measured against that line's latest version.",
    )
    max_minor_behind: int | None = Field(
        None,
        ge=0,
        le=MAX_MINOR_BEHIND,
        description="Minor versions (major.minor series) a deployment may be behind; "
        "null: no limit.",
    )
    max_days_behind: int | None = Field(
        None,
        ge=0,
        le=MAX_DAYS_BEHIND,
        description="Days a deployment may stay on a version after a newer one came out; "
        "null: no limit.",
    )
    delivery: UpdateDelivery = UpdateDelivery.SELF_SERVICE
    delivery_notes: Text = Field("", max_length=NOTES_MAX_LENGTH)


class UpdatePolicyOut(Out):
    product: Ref
    channels: list[UpdateChannel]
    max_minor_behind: int | None
    max_days_behind: int | None
    delivery: UpdateDelivery
    delivery_notes: str
    updated_at: datetime


class DeprecationIn(In):
    version_id: Id | None = Field(None, description="The deprecated version (or name a feature).")
    feature: Text = Field(
        "", max_length=FEATURE_MAX_LENGTH, description="A feature of the product."
    )
    announced_on: date | None = Field(None, description="Today when left out.")
    deprecated_from_id: Id | None = None
    deprecated_on: date | None = None
    removed_in_id: Id | None = None
    removed_on: date | None = None
    text: Text = Field("", max_length=TEXT_MAX_LENGTH)


class DeprecationVersionRef(Out):
    id: int
    name: str


class DeprecationOut(Out):
    id: int
    product: Ref
    version: DeprecationVersionRef | None
    feature: str
    announced_on: date
    deprecated_from: DeprecationVersionRef | None
    deprecated_on: date | None
    removed_in: DeprecationVersionRef | None
    removed_on: date | None
    text: str


class DeprecationPage(Out):
    items: list[DeprecationOut]
    next_cursor: str | None


class DeprecationAffectingOut(Out):
    notice: DeprecationOut
    deployment_ids: list[int]


class PolicyLifecycleFeedOut(Out):
    url: str = Field(description="The feed's address with the caller's key: for calendar apps.")


class PolicyReportParams(In):
    product_id: Id | None = None
    organisation_id: Id | None = None
    environment: Text | None = Field(None, max_length=40)
    cursor: Text | None = Field(None, description="`next_cursor` of the previous page")
    limit: int = Field(100, ge=1, le=500)


class PolicyReportEolParams(PolicyReportParams):
    days: int = Field(90, ge=0, le=3650, description="How many days ahead to look.")


class PolicyReportBehindRow(Out):
    deployment_id: int
    organisation: Ref
    product: Ref
    environment: str
    version: str
    target: str | None
    minor_versions_behind: int
    superseded_on: date | None
    days_behind: int
    over_minor_limit: bool
    over_days_limit: bool
    max_minor_behind: int | None
    max_days_behind: int | None
    summary: str


class PolicyReportBehindPage(Out):
    items: list[PolicyReportBehindRow]
    next_cursor: str | None


class PolicyReportEolRow(Out):
    deployment_id: int
    organisation: Ref
    product: Ref
    environment: str
    version: str
    release_line: Ref | None
    eol: date
    days_left: int


class PolicyReportEolPage(Out):
    items: list[PolicyReportEolRow]
    next_cursor: str | None
