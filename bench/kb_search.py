"""Knowledge-base search figures: p50/p95 of one search over N articles, on SQLite or PostgreSQL.

    python bench/kb_search.py --database-url sqlite:///var/kb_bench.sqlite3 --articles 100000
    python bench/kb_search.py --database-url postgres://postgres@127.0.0.1:5432/sustain_kb_bench
    python bench/kb_search.py --tickets --database-url postgres://postgres@127.0.0.1:5432/sustain_bench

Articles mode: creates the database if needed (PostgreSQL), migrates it and tops it up to N
articles written from the sentences of the relevance corpus (tests/kb/corpus.py) mixed at
random, with error codes and host names for a realistic vocabulary; 70% public, 20% for
customers, 10% staff only; 90% published. Then it times ``sustain.kb.search.search`` (the
whole service: word expansion, ranked match, article load, snippets, search log) for a
customer and for an agent, over plain, prefix and typo queries, and ``suggest`` for request
texts.

When the database also holds tickets (seed them first with bench/seed.py, e.g. 1,000,000 into
the same benchmark database), it also times an agent's and a lead's search with tickets
(``include_tickets=True``: articles and ticket titles together, as the staff search page asks).
On PostgreSQL it runs ANALYZE on the search tables after seeding, as autovacuum would on a
live system (the plans depend on the statistics).

The search log is written by a background task (``sustain.kb.tasks``): the figures include
enqueueing it, not the INSERT. Without REDIS_URL the queue is Huey's SQLite file under
SUSTAIN_DATA_DIR (default here ``var/kb_bench``, not the development queue); no worker runs,
so the queued rows are dropped at the end.

Tickets mode (``--tickets``): times only the staff ticket part of the search (titles holding
every word, through visible_tickets) on an existing ticket database such as the ~1M tickets
of ``sustain_bench`` (see bench/README.md). It does not migrate or write that database.

It writes to the database it is given: point it at a benchmark database only.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PLAIN = [
    "upgrade", "sync stuck", "licence expired", "restore single file", "saml okta",
    "backup s3", "firewall ports", "conflicted copy", "docker compose", "path too long",
    "ssl certificate", "camera upload", "quota exceeded", "ldap active directory",
    "high cpu", "reverse proxy nginx", "scim provisioning", "rollback upgrade",
    "forgot password", "ransomware",
]  # fmt: skip
PREFIX = ["upgr", "ransom", "provisio", "thumbn", "antivir", "certif", "sync conf", "back"]
TYPOS = ["upgarde", "licnese", "kuberntes", "conflcit copy", "ransomwere", "backup encyrption"]
REQUESTS = [
    "Hello, since the upgrade to 4.0 the client says sync stuck at 99% on two laptops",
    "Our licence expired yesterday and users cannot upload, how do we renew",
    "We want single sign-on with Okta for all users, is SCIM supported",
]


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str, *, migrate: bool) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "bench")
    # Queued search-log rows go to a queue of their own, never the development one.
    os.environ.setdefault("SUSTAIN_DATA_DIR", str(ROOT / "var" / "kb_bench"))
    os.environ.setdefault("SUSTAIN_QUEUE_NAME", "sustain-kb-bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sustain.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)


def seed(total: int, rng: random.Random) -> None:
    from django.db import transaction

    from sustain.accounts.models import User
    from sustain.kb import index
    from sustain.kb.choices import ArticleStatus, Audience
    from sustain.kb.models import Article, Category
    from tests.kb.corpus import ARTICLES

    have = Article.objects.count()
    if have >= total:
        return
    owner, _ = User.objects.get_or_create(
        email="kb.writer@bench.example", defaults={"full_name": "KB writer", "role": "agent"}
    )
    categories = []
    for name in sorted({a[1] for a in ARTICLES}):
        category, _ = Category.objects.get_or_create(
            slug=f"bench-{name.lower().replace(' ', '-')}", defaults={"name": name}
        )
        categories.append(category)
    sentences = [s.strip() + "." for a in ARTICLES for s in a[4].split(". ") if s.strip()]
    hosts = [f"srv{n:04d}" for n in range(3000)]
    started = time.perf_counter()
    for start in range(have, total, 5000):
        batch = []
        for i in range(start, min(start + 5000, total)):
            key, _, title, summary, _ = rng.choice(ARTICLES)
            body = " ".join(rng.sample(sentences, rng.randint(4, 9)))
            body += f" Seen with error E{rng.randint(1000, 9999)} on {rng.choice(hosts)}."
            audience = rng.choices(
                [Audience.PUBLIC, Audience.CUSTOMERS, Audience.STAFF], [7, 2, 1]
            )[0]
            status = ArticleStatus.PUBLISHED if rng.random() < 0.9 else ArticleStatus.DRAFT
            batch.append(
                Article(
                    title=f"{title} (case {i})",
                    slug=f"bench-{key}-{i}",
                    summary=summary,
                    body=body,
                    body_html=f"<p>{body}</p>",
                    body_text=body,
                    category=rng.choice(categories),
                    audience=audience,
                    status=status,
                    owner=owner,
                )
            )
        with transaction.atomic():
            created = Article.objects.bulk_create(batch)
            index.index_articles(created)
        done = start + len(batch)
        rate = (done - have) / (time.perf_counter() - started)
        print(f"  seeded {done:,} articles ({rate:,.0f}/s)", flush=True)


def analyze() -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in ("kb_search_doc", "kb_term", "kb_article", "kb_articleticketlink"):
                cursor.execute(f"ANALYZE {table}")


def timed(fn: Callable[[], Any], runs: int) -> list[float]:
    fn()  # warm
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return samples


def report(name: str, samples: list[float]) -> None:
    samples = sorted(samples)
    p95 = samples[max(0, int(len(samples) * 0.95) - 1)]
    print(
        f"{name:<34} n={len(samples):>4}  median {statistics.median(samples):6.1f} ms  "
        f"p95 {p95:6.1f} ms  max {samples[-1]:6.1f} ms"
    )


def bench_articles(runs: int) -> None:
    from sustain.accounts.models import User
    from sustain.kb.models import Article
    from sustain.kb.search import search, suggest

    customer, _ = User.objects.get_or_create(
        email="kb.customer@bench.example", defaults={"full_name": "Customer", "role": "customer"}
    )
    agent = User.objects.get(email="kb.writer@bench.example")
    print(f"articles: {Article.objects.count():,}")
    everything: list[float] = []
    for label, queries in (("plain", PLAIN), ("prefix", PREFIX), ("typo", TYPOS)):
        for who, user in (("customer", customer), ("agent", agent)):
            samples = [s for q in queries for s in timed(lambda q=q, u=user: search(u, q), runs)]
            everything += samples
            report(f"search {label} ({who})", samples)
    report("search, all of the above", everything)
    hits = {q: len(search(customer, q, log=False).articles) for q in PLAIN + PREFIX + TYPOS}
    print(f"queries without results: {[q for q, n in hits.items() if n == 0]}")
    samples = [s for text in REQUESTS for s in timed(lambda t=text: suggest(customer, t), runs)]
    report("suggest (request text, customer)", samples)
    bench_search_with_tickets(runs)


def bench_search_with_tickets(runs: int) -> None:
    """Staff searching articles and ticket titles at once, when the database has tickets."""
    from sustain.accounts.models import User
    from sustain.kb.search import search
    from sustain.tickets.models import Ticket

    newest = Ticket.objects.order_by("-id").values_list("id", flat=True).first()
    lead = User.objects.filter(role="lead", is_active=True).first()
    agent = User.objects.filter(role="agent", is_active=True, teams__isnull=False).first()
    if not newest or lead is None or agent is None:
        print("no tickets (seed them with bench/seed.py): search with tickets not timed")
        return
    print(f"tickets: {newest:,} (max id)")
    for who, user in (("lead, all tickets", lead), ("agent, team tickets", agent)):
        samples = [
            s
            for q in PLAIN
            for s in timed(lambda q=q, u=user: search(u, q, include_tickets=True), runs)
        ]
        report(f"search + tickets ({who})", samples)


def bench_tickets(runs: int) -> None:
    from sustain.accounts.models import User
    from sustain.kb.search import _tickets
    from sustain.tickets.models import Ticket

    print(
        f"tickets: {Ticket.objects.order_by('-id').values_list('id', flat=True).first():,} (max id)"
    )
    lead = User.objects.filter(role="lead", is_active=True).first()
    agent = User.objects.filter(role="agent", is_active=True, teams__isnull=False).first()
    words = [["sync"], ["upgrade", "failed"], ["printer"], ["vpn"], ["login"], ["zzzz"]]
    for who, user in (("lead (all tickets)", lead), ("agent (team tickets)", agent)):
        assert user is not None, "no such user in this database"
        samples = []
        for w in words:
            one = timed(lambda w=w, u=user: _tickets(u, w, 10), runs)
            report(f"  {' '.join(w)!r}", one)
            samples += one
        report(f"ticket titles, {who}", samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=f"sqlite:///{ROOT / 'var' / 'kb_bench.sqlite3'}")
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20, help="timed runs per query")
    parser.add_argument("--tickets", action="store_true", help="time the ticket part only")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument(
        "--candidates", type=int, default=None, help="override sustain.kb.index.CANDIDATES"
    )
    args = parser.parse_args()
    if args.database_url.startswith("postgres") and not args.tickets:
        ensure_database(args.database_url)
    setup_django(args.database_url, migrate=not args.tickets)
    from django.db import connection

    print(f"database: {connection.vendor} {args.database_url}")
    if args.tickets:
        bench_tickets(args.runs)
        return
    seed(args.articles, random.Random(args.seed))
    analyze()
    if args.candidates:
        from sustain.kb import index

        index.CANDIDATES = args.candidates
    from sustain.kb import index as kb_index

    print(f"ranked candidates per query: {kb_index.CANDIDATES}; load average {os.getloadavg()}")
    bench_articles(args.runs)
    print(f"load average at the end {os.getloadavg()}")
    from huey.contrib.djhuey import HUEY

    print(f"search-log tasks queued ({type(HUEY).__name__} {HUEY.name}): {HUEY.pending_count()}")
    if HUEY.name == "sustain-kb-bench":  # the bench's own queue only
        HUEY.flush()


if __name__ == "__main__":
    main()
