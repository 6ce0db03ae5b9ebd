"""Schemas of the catalogue and lifecycle API (``catalogue_api.py``)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from sustain.catalog.choices import VersionScheme
from sustain.core.schemas import Id, In, Out, Text, omittable
from sustain.releases.lifecycle import Phase

Scheme = VersionScheme
# A milestone: a date, or yes (reached) / no (not reached); null: not stated.
MilestoneValue = date | bool | None


class CataloguePage(In):
    cursor: Text | None = Field(None, description="`next_cursor` of the previous page")
    limit: int = Field(100, ge=1, le=500)


class VersionPageParams(CataloguePage):
    newest_first: bool = Field(False, description="The highest version first.")


# --- products and components ---------------------------------------------------------------------
class ProductIn(In):
    name: Text = Field(..., max_length=200)
    description: Text = ""
    version_scheme: Scheme = VersionScheme.PEP440


class ProductPatch(In):
    name: Text = omittable(max_length=200)
    description: Text = omittable()
    version_scheme: Scheme = omittable(
        description="Changing it re-keys every version; refused (422) naming the versions "
        "the new scheme does not read."
    )


class ProductOut(Out):
    id: int
    name: str
    description: str
    version_scheme: Scheme
    created_at: datetime


class ProductPage(Out):
    items: list[ProductOut]
    next_cursor: str | None


class ComponentIn(In):
    name: Text = Field(..., max_length=200)


class ComponentOut(Out):
    id: int
    product_id: int
    name: str


class ComponentPage(Out):
    items: list[ComponentOut]
    next_cursor: str | None


# --- versions ------------------------------------------------------------------------------------
class VersionIn(In):
    name: Text = Field(..., max_length=100, description="Read by the product's version scheme.")
    released_on: date | None = None
    end_of_life: date | None = None


class VersionPatch(In):
    name: Text = omittable(max_length=100)
    released_on: date | None = Field(None, description="null clears it")
    end_of_life: date | None = Field(
        None, description="null clears it; a release line that holds the version sets it"
    )


class MoveIn(In):
    after_id: Id | None = Field(
        ..., description="The version to follow, or null for the first place (free-form only)."
    )


class VersionOut(Out):
    id: int
    product_id: int
    name: str
    released_on: date | None
    end_of_life: date | None
    sort_key: str = Field(
        ...,
        description="Orders the product's versions by its scheme (byte order); equal for "
        "versions the scheme counts equal.",
    )
    position: int = Field(..., description="The manual order of a free-form product.")


class VersionPage(Out):
    items: list[VersionOut]
    next_cursor: str | None


# --- release lines -------------------------------------------------------------------------------
class LineIn(In):
    name: Text = Field(..., max_length=100, description="The release cycle, such as 4.2 or 4.x.")
    codename: Text = Field("", max_length=100)
    version_prefix: Text | None = Field(
        None,
        max_length=100,
        description='Versions starting with it belong to the line; default "4.2." for 4.2.',
    )
    link: Text = Field("", max_length=500)
    release_date: date | None = None
    lts: MilestoneValue = Field(None, description="LTS from a date, or yes/no.")
    eoas: MilestoneValue = Field(None, description="End of active support: a date or yes/no.")
    eol: MilestoneValue = Field(None, description="End of life: a date or yes/no.")
    eoes: MilestoneValue = Field(None, description="End of extended support: a date or yes/no.")
    discontinued: MilestoneValue = None


class LinePatch(In):
    name: Text = omittable(max_length=100)
    codename: Text = omittable(max_length=100)
    version_prefix: Text = omittable(max_length=100)
    link: Text = omittable(max_length=500)
    release_date: date | None = None
    lts: MilestoneValue = None
    eoas: MilestoneValue = None
    eol: MilestoneValue = None
    eoes: MilestoneValue = None
    discontinued: MilestoneValue = None


class LineStatusOut(Out):
    phase: Phase
    is_lts: bool
    is_active: bool
    is_maintained: bool
    is_eol: bool
    in_extended_support: bool
    is_discontinued: bool
    days_to_eol: int | None


class LineOut(Out):
    id: int
    product_id: int
    name: str
    codename: str
    version_prefix: str
    link: str
    release_date: date | None
    lts: MilestoneValue
    eoas: MilestoneValue
    eol: MilestoneValue
    eoes: MilestoneValue
    discontinued: MilestoneValue
    latest_version: str | None = Field(..., description="The highest version the line holds.")
    status: LineStatusOut = Field(..., description="On the site's calendar day.")


class LinePage(Out):
    items: list[LineOut]
    next_cursor: str | None


# --- lifecycle files -----------------------------------------------------------------------------
class LifecycleImportIn(In):
    content: Text = Field(
        ...,
        max_length=2 * 1024 * 1024,
        description="An endoflife.date product file or release list, YAML or JSON.",
    )
    dry_run: bool = False


class LifecycleImportOut(Out):
    created: list[str]
    updated: list[str]
    versions_created: list[str]
    ignored_keys: list[str]
    dry_run: bool


class LifecycleRelease(Out):
    releaseCycle: str  # endoflife.date's key names
    codename: str | None = None
    releaseDate: date | None = None
    lts: MilestoneValue = None
    eoas: MilestoneValue = None
    eol: MilestoneValue = None
    eoes: MilestoneValue = None
    discontinued: MilestoneValue = None
    latest: str | None = None
    latestReleaseDate: date | None = None
    link: str | None = None


class LifecycleOut(Out):
    releases: list[LifecycleRelease]
