"""The Atom feed of a product's published release notes (Django's syndication framework)."""

from __future__ import annotations

from datetime import datetime

from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from sustain.catalog.models import Product
from sustain.releases.release_models import Release, ReleaseStatus

FEED_ITEMS = 30


class ProductReleasesFeed(Feed):  # type: ignore[type-arg]  # generic in the stubs only
    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, product_id: int) -> Product:
        return get_object_or_404(Product, pk=product_id)

    def title(self, obj: Product) -> str:
        return f"{obj.name} release notes"

    def subtitle(self, obj: Product) -> str:
        return f"Every published release of {obj.name}, newest first."

    def link(self, obj: Product) -> str:
        return f"{reverse('releases:public_list')}?product={obj.pk}"

    def items(self, obj: Product) -> QuerySet[Release]:
        return (
            Release.objects.filter(version__product=obj, status=ReleaseStatus.PUBLISHED)
            .select_related("version__product")
            .order_by("-published_at", "-id")[:FEED_ITEMS]
        )

    def item_title(self, item: Release) -> str:
        return f"{item.version.product.name} {item.version.name} ({item.get_kind_display()})"

    def item_description(self, item: Release) -> str:
        return item.notes_html  # rendered and sanitised when it was saved

    def item_link(self, item: Release) -> str:
        return reverse("releases:public", args=[item.pk])

    def item_pubdate(self, item: Release) -> datetime | None:
        return item.published_at

    def item_updateddate(self, item: Release) -> datetime | None:
        return item.updated_at
