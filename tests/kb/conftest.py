"""The relevance set's fixtures; its personas come from ``tests/conftest.py``."""

import pytest

from sustain.kb import index


@pytest.fixture(autouse=True)
def _no_stale_search_rows(db: None) -> None:
    """The search index is not made of Django models: the flush that ends a committing test
    (a browser test, say) leaves its rows behind. Drop those before a search test runs."""
    index.purge_orphans()
