"""Server time of the deployments matrix: 10,000 organisations × 50 versions on PostgreSQL.

    .venv/bin/python bench/deployments_matrix.py \\
        --database-url postgres://postgres@127.0.0.1:5432/sustain_deploy_bench \\
        [--organisations 10000] [--versions 50] [--repeat 200] [--warmup 20]

Creates the database if needed, migrates it and tops it up to N organisations (``Bench org
00001`` …) running the product ``Matrix bench`` (V versions, released a month apart) in
production, spread over the versions on a Zipf-like curve (most customers on a few recent
versions, a long tail on old ones); every fifth organisation also runs it in staging, on one
of the newest versions. Rows are written with ``bulk_create`` (the benchmark measures reading,
not the service's one-row writes), then ANALYZE, as autovacuum would on a live system.

Then it renders the matrix in-process through Django's full request stack (middleware,
session, auth, view, template) with the test client, one request at a time, as an agent:

  first         /deployments/?product=P                 the first page of organisations
  deep          the 150th page (a keyset cursor; 7,450 organisations in)
  version       ?version=V                              only those on one popular version
  staging       ?environment=staging                    2,000 organisations
  htmx          the first page as an htmx filter asks for it (the results fragment)
  organisation  /deployments/organisations/N/           one organisation's page

It prints median, p95 and max milliseconds (wall clock, database included), the median Python
CPU milliseconds and the number of SQL queries of each page. It writes to the database it is
given: point it at a benchmark database only.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sustain.settings")
os.environ.setdefault("SECRET_KEY", "bench")
os.environ.setdefault("SUSTAIN_DATA_DIR", str(ROOT / "var" / "bench"))
os.environ.setdefault("LOG_LEVEL", "WARNING")

from _pages import measure, percentile  # noqa: E402 (bench/ is the script's own folder)

PRODUCT = "Matrix bench"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/sustain_deploy_bench"


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')


def seed(organisations: int, versions: int, rng: random.Random) -> tuple[Any, Any]:
    from django.db import connection, transaction

    from sustain.accounts.models import Organisation, User
    from sustain.catalog.models import Product, Version
    from sustain.releases.deployments.models import Deployment

    agent, _ = User.objects.get_or_create(
        email="matrix.agent@bench.example", defaults={"full_name": "Matrix agent", "role": "agent"}
    )
    product, _ = Product.objects.get_or_create(name=PRODUCT)
    have = Version.objects.filter(product=product).count()
    start = date(2022, 1, 1)
    Version.objects.bulk_create(
        Version(product=product, name=f"7.{i // 10}.{i % 10}", released_on=day)
        for i in range(have, versions)
        if (day := start + timedelta(30 * i))
    )
    ordered = list(Version.objects.filter(product=product).order_by("released_on"))[:versions]
    # Zipf-like: the newest versions hold most customers.
    weights = [1 / (len(ordered) - i) for i in range(len(ordered))]
    existing = Organisation.objects.filter(name__startswith="Bench org ").count()
    with transaction.atomic():
        Organisation.objects.bulk_create(
            Organisation(name=f"Bench org {n:05d}") for n in range(existing + 1, organisations + 1)
        )
        orgs = list(
            Organisation.objects.filter(name__startswith="Bench org ")
            .exclude(deployments__product=product)
            .order_by("name")
        )
        rows = []
        for org in orgs:
            version = rng.choices(ordered, weights)[0]
            rows.append(
                Deployment(organisation=org, product=product, version=version, channel="cli")
            )
            if int(org.name[-5:]) % 5 == 0:
                rows.append(
                    Deployment(
                        organisation=org,
                        product=product,
                        environment="staging",
                        version=rng.choice(ordered[-3:]),
                        channel="cli",
                    )
                )
        Deployment.objects.bulk_create(rows, batch_size=5000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return agent, product


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or DEFAULT_URL)
    parser.add_argument("--organisations", type=int, default=10_000)
    parser.add_argument("--versions", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()

    if args.database_url.startswith("postgres"):
        ensure_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    from sustain.catalog.models import Version
    from sustain.releases.deployments.models import Deployment

    call_command("migrate", verbosity=0)
    setup_test_environment()  # lets the test client's "testserver" host in
    settings.DEBUG = False
    database = settings.DATABASES["default"]
    rng = random.Random(args.seed)
    agent, product = seed(args.organisations, args.versions, rng)
    production = Deployment.objects.filter(product=product, environment="production").count()
    versions = Version.objects.filter(product=product).count()
    print(
        f"database: {database['ENGINE']} {database['NAME']}; {production} organisations × "
        f"{versions} versions in production"
    )

    client = Client()
    client.force_login(agent)
    base = f"/deployments/?product={product.pk}"
    url = base
    for _ in range(149):
        html = client.get(url).content.decode()
        cursor = html.split('rel="next"')[0].rsplit("cursor=", 1)[1].split('"')[0]
        url = f"{base}&cursor={cursor}"
    deep = url
    popular = (
        Deployment.objects.filter(product=product, environment="production")
        .values("version_id")
        .order_by("-version_id")[0]["version_id"]
    )
    some_org = Deployment.objects.filter(product=product).order_by("?")[0].organisation_id
    htmx = Client(headers={"HX-Request": "true"})
    htmx.force_login(agent)
    pages: list[tuple[str, Any, Any]] = [
        ("first", client, base),
        ("deep", client, deep),
        ("version", client, f"{base}&version={popular}"),
        ("staging", client, f"{base}&environment=staging"),
        ("htmx", htmx, f"{base}&environment=production"),
        ("organisation", client, f"/deployments/organisations/{some_org}/"),
    ]
    print(
        f"{'page':<13} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} "
        f"{'median cpu ms':>14} {'queries':>8}"
    )
    for name, page_client, page_url in pages:
        times, cpu, queries = measure(page_client, page_url, args.repeat, args.warmup)
        print(
            f"{name:<13} {statistics.median(times):>10.1f} {percentile(times, 0.95):>8.1f} "
            f"{max(times):>8.1f} {statistics.median(cpu):>14.1f} {queries:>8}",
            flush=True,
        )


if __name__ == "__main__":
    main()
