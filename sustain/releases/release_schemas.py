"""API schemas of release records."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from sustain.core.schemas import Id, In, Out, Quantity, Ref, omittable
from sustain.releases.release_models import ReleaseKind, ReleaseStatus
from sustain.tickets.choices import Kind, Status


class FixedTicketOut(Out):
    number: str
    title: str
    kind: Kind
    status: Status


class ReleaseOut(Out):
    id: int
    product: Ref
    version: Ref
    kind: ReleaseKind
    date: dt.date | None
    status: ReleaseStatus
    published_at: dt.datetime | None
    revision: int
    url: str = Field(..., description="The public page of a published release; '' for a draft")


class ReleaseDetail(ReleaseOut):
    notes: str = Field(..., description="Markdown, as written")
    notes_html: str = Field(..., description="The notes rendered and sanitised")
    fixed_tickets: list[FixedTicketOut] = Field(
        ...,
        description="The tickets it fixes that you may read: their fixed-in version is this "
        "version (as frozen at publishing, for a published release)",
    )


class ReleasePage(Out):
    items: list[ReleaseOut]
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page.")


class ReleaseFilters(In):
    product_id: Id | None = None
    status: ReleaseStatus | None = None
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)


class ReleaseIn(In):
    version_id: Id
    kind: ReleaseKind = ReleaseKind.PATCH
    date: dt.date | None = None
    notes: str | None = Field(
        None,
        max_length=100_000,
        description="Markdown; left out, the notes are drafted from the resolved tickets fixed "
        "in the version",
    )


class ReleasePatch(In):
    kind: ReleaseKind = omittable()
    date: dt.date | None = None
    notes: str = omittable(max_length=100_000)
    revision: Quantity | None = Field(
        None, description="The revision you edited; a newer one on the server gives 409."
    )


class DraftOut(Out):
    notes: str = Field(..., description="Notes drafted from the resolved tickets fixed now")


class PublishedOut(ReleaseDetail):
    tickets_fixed: int | None = Field(
        ..., description="Tickets recorded as fixed by this call; null when it was published"
    )
    people_told: int | None = Field(
        ..., description="People this call told (one e-mail each); null when it was published"
    )
