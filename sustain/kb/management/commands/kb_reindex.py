"""Rebuild the knowledge-base search index from the articles (after a restore, or a bulk import).

The index lives outside the models (FTS5 tables on SQLite, a tsvector column on PostgreSQL), so
a backup restored into a fresh database has articles but no index until this runs.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from sustain.kb import index
from sustain.kb.models import Article


class Command(BaseCommand):
    help = "Rebuild the knowledge-base search index."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=2000)

    def handle(self, *args: Any, **options: Any) -> None:
        batch: int = options["batch"]
        removed = index.purge_orphans()
        ids = list(Article.objects.order_by("id").values_list("id", flat=True))
        for start in range(0, len(ids), batch):
            chunk = ids[start : start + batch]
            with transaction.atomic():
                index.index_articles(list(Article.objects.filter(pk__in=chunk)))
        self.stdout.write(f"Indexed {len(ids)} articles; removed {removed} stale index rows.")
