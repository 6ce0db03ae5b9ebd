"""The full-text index, one per database vendor, behind the same few functions.

SQLite: an FTS5 table ``kb_article_fts`` (porter stemming, bm25 ranking) and an FTS5 trigram
table ``kb_term_trgm`` over the vocabulary for typo candidates.
PostgreSQL: a weighted ``tsvector`` in the narrow table ``kb_search_doc`` (one row per
article, with the columns search filters on) with a GIN index (ts_rank ranking), and a
pg_trgm GIN index on ``kb_term.word`` for typo candidates.
Both are written here, by the services, in the transaction that saves the article.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from sustain.kb.models import Article, Term

WORD = re.compile(r"[^\W_]+")
MAX_WORD = 40
# How many matches of a query are ranked (see match_articles).
CANDIDATES = 1000


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def words_of(*texts: str) -> set[str]:
    found: set[str] = set()
    for text in texts:
        found.update(
            w for w in WORD.findall(text.lower()) if 2 <= len(w) <= MAX_WORD or w.isdigit()
        )
    return found


# --- writing ------------------------------------------------------------------------------
def index_articles(articles: Sequence[Article]) -> None:
    """(Re)index the articles' title, summary and plain-text body, and learn their words."""
    if not articles:
        return
    add_terms(words_of(*(f"{a.title} {a.summary} {a.body_text}" for a in articles)))
    with connection.cursor() as cursor:
        if is_postgres():
            cursor.executemany(
                "INSERT INTO kb_search_doc (id, status, audience, category_id, search_vector) "
                "VALUES (%s, %s, %s, %s, setweight(to_tsvector('english', %s), 'A') || "
                "setweight(to_tsvector('english', %s), 'B') || "
                "setweight(to_tsvector('english', %s), 'C')) ON CONFLICT (id) DO UPDATE SET "
                "status = EXCLUDED.status, audience = EXCLUDED.audience, "
                "category_id = EXCLUDED.category_id, search_vector = EXCLUDED.search_vector",
                [
                    (a.pk, a.status, a.audience, a.category_id, _untag(a.title),
                     _untag(a.summary), _untag(a.body_text))
                    for a in articles
                ],
            )  # fmt: skip
        else:
            cursor.executemany(
                "DELETE FROM kb_article_fts WHERE rowid = %s", [(a.pk,) for a in articles]
            )
            cursor.executemany(
                "INSERT INTO kb_article_fts (rowid, title, summary, body) VALUES (%s, %s, %s, %s)",
                [(a.pk, a.title, a.summary, a.body_text) for a in articles],
            )


def _untag(text: str) -> str:
    # PostgreSQL's parser reads "<name>" in plain text as an HTML tag and skips what follows.
    return text.replace("<", " ").replace(">", " ")


def sync_facets(article: Article) -> None:
    """After a change of status, audience or category only (PostgreSQL copies them)."""
    if is_postgres():
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE kb_search_doc SET status = %s, audience = %s, category_id = %s "
                "WHERE id = %s",
                [article.status, article.audience, article.category_id, article.pk],
            )


def rebuild(*, batch: int = 2000) -> tuple[int, int]:
    """Index every article again, after dropping stale rows: (articles indexed, rows removed).
    A restored backup needs it: the index tables are not models, so they are not archived."""
    removed = purge_orphans()
    ids = list(Article.objects.order_by("id").values_list("id", flat=True))
    for start in range(0, len(ids), batch):
        with transaction.atomic():
            index_articles(list(Article.objects.filter(pk__in=ids[start : start + batch])))
    return len(ids), removed


def purge_orphans() -> int:
    """Drop index rows whose article is gone. The index tables are not Django models, so a
    flush or a forced restore (which empty the model tables) leaves their rows behind."""
    with connection.cursor() as cursor:
        if is_postgres():
            cursor.execute("DELETE FROM kb_search_doc WHERE id NOT IN (SELECT id FROM kb_article)")
        else:
            cursor.execute(
                "DELETE FROM kb_article_fts WHERE rowid NOT IN (SELECT id FROM kb_article)"
            )
        removed: int = cursor.rowcount
        return max(removed, 0)


def unindex_article(article_id: int) -> None:
    with connection.cursor() as cursor:
        if is_postgres():
            cursor.execute("DELETE FROM kb_search_doc WHERE id = %s", [article_id])
        else:
            cursor.execute("DELETE FROM kb_article_fts WHERE rowid = %s", [article_id])


def add_terms(words: Iterable[str]) -> None:
    wanted = sorted(set(words))
    if not wanted:
        return
    if is_postgres():
        # INSERT … ON CONFLICT DO NOTHING: no need to know which words are new.
        Term.objects.bulk_create(
            [Term(word=w) for w in wanted], ignore_conflicts=True, batch_size=2000
        )
        return
    # SQLite also feeds the new words to the trigram table, so it must know which are new.
    known: set[str] = set()
    for start in range(0, len(wanted), 5000):
        chunk = wanted[start : start + 5000]
        known.update(Term.objects.filter(word__in=chunk).values_list("word", flat=True))
    new = [w for w in wanted if w not in known]
    if new:
        Term.objects.bulk_create([Term(word=w) for w in new], ignore_conflicts=True)
        with connection.cursor() as cursor:
            cursor.executemany("INSERT INTO kb_term_trgm (word) VALUES (%s)", [(w,) for w in new])


# --- reading ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Filters:
    """SQL conditions on ``a`` (``kb_article``, or ``kb_search_doc`` which has the same
    id, status, audience and category_id) that every match must meet (visibility included)."""

    statuses: Sequence[str]
    audiences: Sequence[str]
    category_ids: Sequence[int] | None = None
    product_id: int | None = None

    def sql(self) -> tuple[str, list[Any]]:
        clauses = [
            f"a.status IN ({_marks(self.statuses)})",
            f"a.audience IN ({_marks(self.audiences)})",
        ]
        params: list[Any] = [*self.statuses, *self.audiences]
        if self.category_ids is not None:
            clauses.append(f"a.category_id IN ({_marks(self.category_ids)})")
            params.extend(self.category_ids)
        if self.product_id is not None:
            clauses.append(
                "a.id IN (SELECT article_id FROM kb_article_products WHERE product_id = %s)"
            )
            params.append(self.product_id)
        return " AND ".join(clauses), params


def _marks(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values)) or "NULL"


def match_articles(
    groups: Sequence[Sequence[str]], filters: Filters, *, every: bool, limit: int
) -> list[tuple[int, float]]:
    """(article id, score) best first. ``groups`` holds alternatives for each query word;
    ``every`` asks for articles that match every group, else for any.

    Ranking reads every candidate's index entry, so only the CANDIDATES newest matches are
    ranked: exact below that many matches, biased to recent articles above it."""
    if not groups or not filters.statuses or not filters.audiences:
        return []
    # Only the placeholders of Filters.sql() and fixed text are formatted into the SQL;
    # every value, the full-text query included, is a parameter.
    where, params = filters.sql()
    if is_postgres():
        inner = " & " if every else " | "
        tsquery = inner.join("(" + " | ".join(g) + ")" for g in groups)
        # The query is a literal for the planner: with its selectivity known, a common word
        # walks the newest rows backwards and a rare one uses the GIN index.
        sql = (
            "WITH candidates AS MATERIALIZED (SELECT a.id FROM kb_search_doc a "  # noqa: S608
            f"WHERE a.search_vector @@ to_tsquery('english', %s) AND {where} "
            "ORDER BY a.id DESC LIMIT %s) "
            "SELECT a.id, ts_rank(a.search_vector, to_tsquery('english', %s)) AS score "
            "FROM candidates c JOIN kb_search_doc a ON a.id = c.id "
            "ORDER BY score DESC, a.id LIMIT %s"
        )
        args = [tsquery, *params, CANDIDATES, tsquery, limit]
    else:
        inner = " AND " if every else " OR "
        tsquery = inner.join("(" + " OR ".join(f'"{w}"' for w in g) + ")" for g in groups)
        # Title matches weigh most, then the summary; bm25 is lower for better matches. The
        # narrow covering index answers the filters without reading the wide article rows.
        sql = (
            "WITH candidates AS (SELECT rowid FROM kb_article_fts "  # noqa: S608
            "WHERE kb_article_fts MATCH %s ORDER BY rowid DESC LIMIT %s) "
            "SELECT a.id, -bm25(kb_article_fts, 8.0, 3.0, 1.0) AS score "
            "FROM kb_article_fts JOIN kb_article a INDEXED BY kb_article_filter_idx "
            "ON a.id = kb_article_fts.rowid WHERE kb_article_fts MATCH %s "
            "AND kb_article_fts.rowid >= (SELECT coalesce(min(rowid), 0) FROM candidates) "
            f"AND {where} ORDER BY score DESC, a.id LIMIT %s"
        )
        args = [tsquery, CANDIDATES, tsquery, *params, limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        return [(int(row[0]), float(row[1])) for row in cursor.fetchall()]


def prefix_terms(prefix: str, limit: int = 6) -> list[str]:
    """Known words that start with ``prefix``, shortest first."""
    terms = Term.objects.all()
    if is_postgres():  # LIKE 'prefix%' on the varchar_pattern_ops index Django adds
        terms = terms.filter(word__startswith=prefix)
    else:  # SQLite's LIKE ignores case and so no index; a range reads the unique index
        terms = terms.filter(word__gte=prefix, word__lt=prefix + "\U0010ffff")
    found = terms.values_list("word", flat=True)
    return sorted(found[:50], key=lambda w: (len(w), w))[:limit]


def similar_terms(word: str, limit: int = 3) -> list[str]:
    """Known words within a small edit distance of ``word`` (one edit up to five letters,
    two above), closest first. Trigram indexes give the candidates, the distance decides."""
    with transaction.atomic(), connection.cursor() as cursor:
        if is_postgres():
            cursor.execute("SELECT set_config('pg_trgm.similarity_threshold', '0.2', true)")
            cursor.execute(
                "SELECT word FROM kb_term WHERE word %% %s "
                "ORDER BY similarity(word, %s) DESC LIMIT 30",
                [word, word],
            )
        else:
            grams = {word[i : i + 3] for i in range(len(word) - 2)}
            cursor.execute(
                "SELECT word FROM kb_term_trgm WHERE kb_term_trgm MATCH %s "
                "AND length(word) BETWEEN %s AND %s ORDER BY rank LIMIT 30",
                [" OR ".join(f'"{g}"' for g in sorted(grams)), len(word) - 2, len(word) + 2],
            )
        candidates = {row[0] for row in cursor.fetchall()}
    most = 1 if len(word) <= 5 else 2
    scored = sorted(
        (d, w) for w in candidates if w != word and (d := edit_distance(word, w)) <= most
    )
    return [w for _, w in scored[:limit]]


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance counting a swap of neighbours as one edit (optimal alignment)."""
    if abs(len(a) - len(b)) > 2:
        return 3
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]
