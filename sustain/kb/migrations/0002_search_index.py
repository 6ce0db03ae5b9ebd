"""The full-text index: FTS5 tables on SQLite, a tsvector column and trigram index on PostgreSQL."""

from typing import Any

from django.db import migrations

_SQLITE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS kb_article_fts USING fts5("
    "title, summary, body, tokenize = 'porter unicode61 remove_diacritics 2')",
    "CREATE VIRTUAL TABLE IF NOT EXISTS kb_term_trgm USING fts5(word, tokenize = 'trigram')",
]
_SQLITE_DROP = ["DROP TABLE IF EXISTS kb_term_trgm", "DROP TABLE IF EXISTS kb_article_fts"]
_POSTGRES = [
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "ALTER TABLE kb_article ADD COLUMN IF NOT EXISTS search_vector tsvector",
    "CREATE INDEX IF NOT EXISTS kb_article_search_idx ON kb_article USING gin (search_vector)",
    "CREATE INDEX IF NOT EXISTS kb_term_word_trgm_idx ON kb_term USING gin (word gin_trgm_ops)",
]
_POSTGRES_DROP = [
    "DROP INDEX IF EXISTS kb_term_word_trgm_idx",
    "DROP INDEX IF EXISTS kb_article_search_idx",
    "ALTER TABLE kb_article DROP COLUMN IF EXISTS search_vector",
]


def _run(statements: dict[str, list[str]]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("kb", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": _SQLITE, "postgresql": _POSTGRES}),
            _run({"sqlite": _SQLITE_DROP, "postgresql": _POSTGRES_DROP}),
        )
    ]
