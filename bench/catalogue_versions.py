"""Version ordering at scale: a product with N versions, listed in scheme order through SQL.

    python bench/catalogue_versions.py \
        --database-url postgres://postgres@127.0.0.1:5432/sustain_catalogue_bench
    python bench/catalogue_versions.py --database-url sqlite:///var/catalogue_bench.sqlite3

Creates the database if needed (PostgreSQL), migrates it and tops one semantic-versioned
product up to N versions (default 1,000,000: 100 majors × 100 minors × 100 patches, every
tenth a pre-release), each row keyed as ``catalog.services`` keys it, written in batches.
Then it times, p50/p95 over repeated calls:

- the first page (100) of ``GET /products/{id}/versions`` (the API, through Django's test
  client, token auth included), oldest first and newest first;
- a page deep in the list (a cursor from the middle);
- ``latest_version(product)`` and ``line_views`` for 20 release lines (each line's latest
  version the first row of the stored membership, index (line, sort_key, version)); and, for
  comparison, the walk it replaced (the product's versions from the newest down until one is
  held by the line), with ``--walk``.

On PostgreSQL it prints the plan of the first page's query, which reads the index. It writes to
the database it is given: point it at a benchmark database only.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def ensure_database(url: str) -> None:
    if not url.startswith("postgres"):
        return
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sustain.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def names(count: int) -> list[str]:
    out = []
    for major in range(1, 101):
        for minor in range(100):
            for patch in range(100):
                suffix = "-rc.1" if patch % 10 == 9 else ""
                out.append(f"{major}.{minor}.{patch}{suffix}")
                if len(out) == count:
                    return out
    return out


def seed(count: int) -> Any:
    from django.db import transaction

    from sustain.catalog.models import Product, Version
    from sustain.catalog.versioning import sort_key

    product, _ = Product.objects.get_or_create(
        name="Bench catalogue", defaults={"version_scheme": "semver"}
    )
    have = Version.objects.filter(product=product).count()
    wanted = names(count)[have:]
    started = time.perf_counter()
    for start in range(0, len(wanted), 20_000):
        batch = wanted[start : start + 20_000]
        with transaction.atomic():
            Version.objects.bulk_create(
                [
                    Version(product=product, name=n, sort_key=sort_key("semver", n, position=0))
                    for n in batch
                ],
                batch_size=5000,
            )
        print(f"  {have + start + len(batch):,} versions", file=sys.stderr)
    if wanted:
        print(f"seeded {len(wanted):,} versions in {time.perf_counter() - started:.0f} s")
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE catalog_version")
    return product


def timed(label: str, call: Callable[[], Any], repeat: int = 30, warm: int = 3) -> None:
    for _ in range(warm):
        call()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * len(times)) - 1)]
    print(f"{label:<58} p50 {statistics.median(times):7.2f} ms   p95 {p95:7.2f} ms")


def walk(product: Any) -> list[Any]:
    """Each line's latest version as it was found before the stored membership."""
    from django.db.models import OuterRef, Q, Subquery
    from django.db.models.functions import Length
    from django.db.models.lookups import GreaterThan

    from sustain.catalog.models import Version
    from sustain.releases.line_models import ReleaseLine

    prefix = OuterRef("version_prefix")
    held = Version.objects.filter(product_id=OuterRef("product_id")).filter(
        Q(name=OuterRef("name")) | (Q(name__startswith=prefix) & Q(GreaterThan(Length(prefix), 0)))
    )
    latest = held.order_by("-sort_key", "-id").values("name")[:1]
    lines = ReleaseLine.objects.filter(product=product).annotate(latest=Subquery(latest))
    return list(lines.values_list("latest", flat=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--versions", type=int, default=1_000_000)
    parser.add_argument("--walk", action="store_true", help="also time the former walk")
    args = parser.parse_args()
    if not args.database_url:
        sys.exit("Give --database-url (a benchmark database: it is written to).")
    ensure_database(args.database_url)
    setup_django(args.database_url)

    from django.conf import settings
    from django.db import connection
    from django.test import Client

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]

    from sustain.accounts.choices import Role
    from sustain.accounts.models import User
    from sustain.accounts.tokens import create_token
    from sustain.catalog.models import Version
    from sustain.catalog.selectors import latest_version, ordered_versions
    from sustain.core.permissions import OPERATOR
    from sustain.releases.line_models import ReleaseLine
    from sustain.releases.line_selectors import line_views
    from sustain.releases.line_services import LineData, create_line

    product = seed(args.versions)
    total = Version.objects.filter(product=product).count()
    if not ReleaseLine.objects.filter(product=product).exists():
        for major in range(81, 101):
            create_line(actor=OPERATOR, product=product, data=LineData(name=f"{major}.x"))
    lead, _ = User.objects.get_or_create(
        email="bench-lead@bench.example", defaults={"role": Role.LEAD, "full_name": "Bench"}
    )
    _token, raw = create_token(actor=lead, user=lead, name=f"bench {time.time()}")
    api = Client(headers={"Authorization": f"Bearer {raw}"})
    url = f"/api/v1/products/{product.pk}/versions"
    first = api.get(url, {"limit": 100})
    assert first.status_code == 200, first.content
    middle = Version.objects.filter(product=product).order_by("sort_key", "id")[total // 2]
    from sustain.core.pagination import _encode

    deep_cursor = _encode([middle.sort_key, middle.pk])

    print(f"{connection.vendor}: one product with {total:,} versions (semantic versioning)")
    timed("API first page, oldest first (limit 100)", lambda: api.get(url, {"limit": 100}))
    timed(
        "API first page, newest first (limit 100)",
        lambda: api.get(url, {"limit": 100, "newest_first": "true"}),
    )
    timed(
        "API page from the middle (cursor)",
        lambda: api.get(url, {"limit": 100, "cursor": deep_cursor}),
    )
    timed("latest_version(product)", lambda: latest_version(product))
    timed("line_views: 20 lines with their latest version", lambda: line_views(product))
    if args.walk:
        timed("the former walk: 20 lines' latest versions", lambda: walk(product), 3, 1)
    if connection.vendor == "postgresql":
        query = ordered_versions(product)[:100]
        print("plan of ordered_versions(product)[:100]:")
        for line in query.explain().splitlines():
            print("   ", line)
    names_ok = list(ordered_versions(product, newest_first=True)[:3].values_list("name", flat=True))
    print("newest three:", ", ".join(names_ok))


if __name__ == "__main__":
    main()
