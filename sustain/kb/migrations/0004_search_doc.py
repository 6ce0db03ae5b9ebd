"""PostgreSQL: the search vector moves to a narrow table of its own.

Ranking reads the vector of every candidate; in the wide article rows (body, HTML, text) that
is about one page per article, in ``kb_search_doc`` a page holds a dozen. The table repeats the
columns search filters on, so that a query never touches ``kb_article`` until it has its ten.
"""

from typing import Any

from django.db import migrations

_CREATE = [
    "DROP INDEX IF EXISTS kb_article_search_idx",
    "ALTER TABLE kb_article DROP COLUMN IF EXISTS search_vector",
    "CREATE TABLE IF NOT EXISTS kb_search_doc ("
    # No foreign key to kb_article: Django's flush (tests) and the backup restore truncate
    # the tables Django knows without CASCADE; the service deletes the row with its article.
    " id integer PRIMARY KEY,"
    " status varchar(10) NOT NULL, audience varchar(10) NOT NULL, category_id integer,"
    " search_vector tsvector NOT NULL)",
    "CREATE INDEX IF NOT EXISTS kb_search_doc_vector_idx ON kb_search_doc USING gin (search_vector)",
]
_DROP = [
    "DROP TABLE IF EXISTS kb_search_doc",
    "ALTER TABLE kb_article ADD COLUMN IF NOT EXISTS search_vector tsvector",
    "CREATE INDEX IF NOT EXISTS kb_article_search_idx ON kb_article USING gin (search_vector)",
]


def _run(statements: list[str]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("kb", "0003_search_filter_index")]

    operations = [migrations.RunPython(_run(_CREATE), _run(_DROP))]
