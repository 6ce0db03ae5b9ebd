"""Rebuild the knowledge-base search index from the articles (after a restore, or a bulk import).

The index lives outside the models (FTS5 tables on SQLite, a tsvector column on PostgreSQL), so
a backup restored into a fresh database has articles but no index until this runs.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from sustain.kb import index


class Command(BaseCommand):
    help = "Rebuild the knowledge-base search index."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=2000)

    def handle(self, *args: Any, **options: Any) -> None:
        indexed, removed = index.rebuild(batch=options["batch"])
        self.stdout.write(f"Indexed {indexed} articles; removed {removed} stale index rows.")
