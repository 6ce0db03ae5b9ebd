"""Background jobs of the knowledge base: they take plain values and write one row each."""

from __future__ import annotations

from datetime import datetime

from huey.contrib.djhuey import db_task

from sustain.kb.models import SearchLog


# retries=0: a lost log row only makes the "no results" report a little less complete.
@db_task(retries=0)  # type: ignore[untyped-decorator]  # huey ships no type hints
def log_search_task(query: str, results_count: int, user_kind: str, searched_at: datetime) -> None:
    SearchLog.objects.create(
        query=query, results_count=results_count, user_kind=user_kind, created_at=searched_at
    )
