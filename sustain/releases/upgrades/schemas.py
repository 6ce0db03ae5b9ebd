"""Input and output of the upgrade-path API (names start with ``Upgrade``: ninja files a
schema under its class name, and every name is the document's once)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field

from sustain.core.schemas import Id, In, Out, Ref, Text, omittable
from sustain.releases.upgrades.articles import ArticleLink
from sustain.releases.upgrades.models import (
    BREAKING_MAX_LENGTH,
    MAX_ARTICLES,
    MAX_STEPS,
    STEP_MAX_LENGTH,
    UpgradeEdge,
)
from sustain.releases.upgrades.selectors import PlanState

Step = Annotated[Text, Field(max_length=STEP_MAX_LENGTH)]


class UpgradeArticleOut(Out):
    id: int
    title: str
    url: str


class UpgradeEdgeOut(Out):
    id: int
    product_id: int
    from_version: Ref
    to_version: Ref
    supported: bool
    steps: list[str] = Field(description="In order; Markdown each")
    breaking_changes: str = Field(description="Markdown")
    kb_article_ids: list[int]
    articles: list[UpgradeArticleOut] = Field(
        description="The linked articles you may read, with their titles and addresses"
    )
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, edge: UpgradeEdge, links: dict[int, ArticleLink]) -> UpgradeEdgeOut:
        ids = [int(i) for i in edge.kb_article_ids]
        return cls(
            id=edge.pk,
            product_id=edge.product_id,
            from_version=Ref(id=edge.from_version.pk, name=edge.from_version.name),
            to_version=Ref(id=edge.to_version.pk, name=edge.to_version.name),
            supported=edge.supported,
            steps=list(edge.steps),
            breaking_changes=edge.breaking_changes,
            kb_article_ids=ids,
            articles=[
                UpgradeArticleOut(id=i, title=links[i].title, url=links[i].url)
                for i in ids
                if i in links
            ],
            created_at=edge.created_at,
            updated_at=edge.updated_at,
        )


class UpgradeEdgePage(Out):
    items: list[UpgradeEdgeOut]
    next_cursor: str | None


class UpgradeEdgePageParams(In):
    cursor: Text | None = Field(None, description="`next_cursor` of the previous page")
    limit: int = Field(100, ge=1, le=500)


class UpgradeEdgeIn(In):
    from_version_id: Id
    to_version_id: Id = Field(
        description="A version later than `from_version_id` in the product's order"
    )
    supported: bool = True
    steps: list[Step] = Field(default_factory=list, max_length=MAX_STEPS)
    breaking_changes: Text = Field("", max_length=BREAKING_MAX_LENGTH)
    kb_article_ids: list[Id] = Field(default_factory=list, max_length=MAX_ARTICLES)


class UpgradeEdgePatch(In):
    supported: bool = omittable()
    steps: list[Step] = omittable(max_length=MAX_STEPS)
    breaking_changes: Text = omittable(max_length=BREAKING_MAX_LENGTH)
    kb_article_ids: list[Id] = omittable(max_length=MAX_ARTICLES)


class UpgradeTargetOut(Out):
    version: Ref
    release_line: str


class UpgradeSupportOut(Out):
    label: str = Field(description='"Supported", "End of life in 30 days", "End of life since …"')
    tone: str = Field(description="ok, soon, eol or unknown")
    release_line: str | None
    phase: str | None
    days_to_eol: int | None


class UpgradeFixOut(Out):
    first_version: str = Field(description="The first later version whose release fixes one")
    tickets: int
    own_organisation_tickets: int


class UpgradePathOut(Out):
    deployment_id: int
    current: Ref
    state: PlanState
    summary: str
    target: UpgradeTargetOut | None
    support: UpgradeSupportOut
    fix_available: UpgradeFixOut | None
    steps: list[UpgradeEdgeOut] = Field(description="The upgrades to make, in order")
