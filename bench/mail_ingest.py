"""Inbound e-mail throughput: messages per second through ``sustain.mail.services.receive_batch``
in one process (= one worker), on SQLite and on PostgreSQL, in the IMAP poller's groups of
``sustain.mail.imap.COMMIT_EVERY`` messages per commit.

    python bench/mail_ingest.py [--messages 10000] [--runs 3] [--database sqlite|postgres|both]
                                [--postgres-url postgres://postgres@127.0.0.1:5432/sustain_bench_mail]

Each run starts from an empty database: a new SQLite file in a temporary data directory, or
the scratch PostgreSQL database (created, migrated, and dropped at the end; it must not be a
database you care about). The database is migrated with ``sustain migrate``; then a fresh
process generates the corpus (not timed) and delivers it in order (timed), as a worker would.

The corpus (deterministic, ``--seed``) mixes what a support inbox gets: new tickets from ~1,000
contacts of 50 organisations and unknown senders, replies threaded by In-Reply-To, by the
[SUS-n] subject token and by plus-address, auto-replies, bounces, list mail, attachments of
20–200 KB, HTML mail, several charsets, and a few malformed messages. The median of the runs
is printed, with what the messages became, and the rate per second of the worker's own CPU
time (steadier on a busy machine; it leaves out the PostgreSQL server's share).
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import io
import json
import os
import pstats
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/sustain_bench_mail"
DATE = "Sun, 22 Nov 2026 10:00:00 +0100"
SUBJECTS = [
    "Nightly sync stops halfway", "Cannot log in after password reset", "Export to CSV is empty",
    "Invoice shows the wrong VAT", "Dashboard loads slowly", "API returns 502 at night",
    "Licence expires too early", "Printer driver crashes", "Report totals do not add up",
]  # fmt: skip


# --- the corpus -------------------------------------------------------------------------------
@dataclass
class Item:
    raw: bytes
    kind: str
    # A reply by subject token or plus-address names its ticket by the key of the message that
    # opened it; the number is only known at delivery time.
    ticket_of: str = ""


def _head(frm: str, subject: str, mid: str, extra: str = "", ctype: str = "") -> str:
    lines = [f"From: {frm}", "To: support@sustain.test", f"Subject: {subject}", f"Date: {DATE}"]
    lines += [f"Message-ID: {mid}", "MIME-Version: 1.0"]
    lines += [line for line in extra.split("\n") if line]
    lines.append(
        ctype or "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit"
    )
    return "\n".join(lines) + "\n\n"


def _crlf(text: str | bytes) -> bytes:
    data = text.encode() if isinstance(text, str) else text
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def _b64(data: bytes) -> str:
    return base64.encodebytes(data).decode()


def generate(count: int, seed: int) -> list[Item]:
    rng = random.Random(seed)
    contacts = [f"user{n}@org{n % 50}.test" for n in range(1000)]
    opened: list[tuple[str, str, str]] = []  # (key, sender, message-id) of new tickets
    items: list[Item] = []
    for n in range(count):
        roll = rng.random()
        sender = rng.choice(contacts)
        mid = f"<m{n}.{seed}@bench.test>"
        subject = f"{rng.choice(SUBJECTS)} #{n}"
        body = f"Hello,\n\n{subject} since this morning. Ticket body {n}.\n\nRegards\n"
        if roll < 0.10 and opened:  # reply by In-Reply-To, with Gmail-style quoting
            _, sender, parent = rng.choice(opened)
            raw = _head(
                sender, f"Re: {subject}", mid, f"In-Reply-To: {parent}\nReferences: {parent}"
            )
            raw += f"Still happening.\n\nOn Sun, Nov 22, 2026 at 9:00 AM {sender} wrote:\n> {body}"
            items.append(Item(_crlf(raw), "reply-in-reply-to"))
        elif roll < 0.20 and opened:  # reply by subject token, Outlook style
            key, sender, _ = rng.choice(opened)
            raw = _head(sender, f"RE: [{{T}}] {subject}", mid)
            raw += "Here are the details.\n\n-----Original Message-----\nFrom: Support\n> old\n"
            items.append(Item(_crlf(raw), "reply-subject-token", ticket_of=key))
        elif roll < 0.24 and opened:  # reply by plus-address
            key, sender, _ = rng.choice(opened)
            raw = _head(sender, "More information", mid).replace(
                "To: support@sustain.test", "To: support+{T}@sustain.test"
            )
            raw += "One more detail.\n\nSent from my iPhone\n"
            items.append(Item(_crlf(raw), "reply-plus-address", ticket_of=key))
        elif roll < 0.32:  # out-of-office auto-reply
            extra = "Auto-Submitted: auto-replied\nX-Auto-Response-Suppress: All"
            items.append(Item(_crlf(_head(sender, f"Automatic reply: {subject}", mid, extra)
                                    + "I am out of the office.\n"), "auto-reply"))  # fmt: skip
        elif roll < 0.34:  # bounce
            raw = _head("MAILER-DAEMON@mx.bench.test", "Undelivered Mail Returned to Sender", mid,
                        f"X-Failed-Recipients: {sender}")  # fmt: skip
            items.append(Item(_crlf(raw + f"<{sender}>: mailbox full\n"), "bounce"))
        elif roll < 0.36:  # list mail
            raw = _head("news@lists.bench.test", subject, mid, "List-Id: <news.lists.bench.test>")
            items.append(Item(_crlf(raw + "Newsletter.\n"), "bulk"))
        else:
            items.append(_new_ticket(rng, n, sender, subject, mid, body, opened))
    return items


def _new_ticket(
    rng: random.Random, n: int, sender: str, subject: str, mid: str, body: str,
    opened: list[tuple[str, str, str]],
) -> Item:  # fmt: skip
    if rng.random() < 0.05:
        sender = f"stranger{n}@unknown{n % 97}.test"  # a new contact, no organisation
    opened.append((mid, sender, mid))
    roll = rng.random()
    if roll < 0.12:  # with an attachment
        size = rng.randint(20_000, 200_000)
        data = rng.randbytes(size)
        ctype = 'Content-Type: multipart/mixed; boundary="b"'
        raw = _head(sender, subject, mid, ctype=ctype) + (
            f"--b\nContent-Type: text/plain; charset=utf-8\n\n{body}\n--b\n"
            'Content-Type: application/pdf\nContent-Disposition: attachment; filename="log.pdf"\n'
            f"Content-Transfer-Encoding: base64\n\n{_b64(b'%PDF-1.4' + data)}--b--\n"
        )
        return Item(_crlf(raw), "new-attachment", ticket_of=mid)
    if roll < 0.27:  # HTML with a text alternative
        ctype = 'Content-Type: multipart/alternative; boundary="a"'
        raw = _head(sender, subject, mid, ctype=ctype) + (
            f"--a\nContent-Type: text/plain; charset=utf-8\n\n{body}\n--a\n"
            f"Content-Type: text/html; charset=utf-8\n\n<p>{body}</p><script>x()</script>\n--a--\n"
        )
        return Item(_crlf(raw), "new-html", ticket_of=mid)
    if roll < 0.37:  # Latin-1, quoted-printable, encoded subject
        ctype = "Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: "
        ctype += "quoted-printable"
        raw = _head(sender, f"=?iso-8859-1?q?Gr=FC=DFe_{n}?=", mid, ctype=ctype)
        return Item(_crlf(raw + "Sch=F6ne Gr=FC=DFe, die Datei =F6ffnet nicht.\n"), "new-latin1",
                    ticket_of=mid)  # fmt: skip
    if roll < 0.40:  # malformed: the closing boundary never comes, NUL bytes
        ctype = 'Content-Type: multipart/mixed; boundary="never"'
        broken = _head(sender, subject, mid, ctype=ctype).encode() + (
            b"--never\nContent-Type: text/plain; charset=x-bogus\n\nbroken \x00 mail\n"
        )
        return Item(_crlf(broken), "new-malformed", ticket_of=mid)
    return Item(_crlf(_head(sender, subject, mid) + body), "new-plain", ticket_of=mid)


# --- one run, in a fresh process --------------------------------------------------------------
def worker(count: int, seed: int, profile: str = "") -> None:
    """Runs inside a process whose DATABASE_URL points at a freshly migrated database."""
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count

    from sustain.accounts.models import Organisation
    from sustain.core import tasks  # noqa: F401 -- a worker has its jobs imported before mail comes
    from sustain.mail.imap import COMMIT_EVERY
    from sustain.mail.models import InboundMail
    from sustain.mail.services import Received, receive_batch

    Organisation.objects.bulk_create(
        Organisation(name=f"Org {n}", domains=[f"org{n}.test"]) for n in range(50)
    )
    items = generate(count, seed)
    numbers: dict[str, bytes] = {}
    queries = QueryCounter()

    def deliver(chunk: list[Item]) -> None:
        """One commit for the chunk, as the IMAP poller makes it (``receive_batch``)."""
        raws = [item.raw.replace(b"{T}", numbers.get(item.ticket_of, b"SUS-0")) for item in chunk]
        batch = receive_batch(raws, source="imap")
        assert batch.failure is None, batch.failure
        for item, outcome in zip(chunk, batch.outcomes, strict=True):
            ticket_id = outcome.mail.ticket_id if isinstance(outcome, Received) else None
            if item.kind.startswith("new") and ticket_id is not None:
                numbers[item.ticket_of] = f"SUS-{ticket_id}".encode()

    # CPU time of the worker: waits for the database or the disk are not its cost.
    profiler = cProfile.Profile(time.process_time) if profile else None
    start, cpu_start = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(queries):
        if profiler is not None:
            profiler.enable()
        # Groups of the poller's size, in order; a reply to a ticket opened in the same group
        # starts the next one, since its ticket number is known only after the commit.
        chunk: list[Item] = []
        opened: set[str] = set()
        for item in items:
            if b"{T}" in item.raw and item.ticket_of in opened:
                deliver(chunk)
                chunk, opened = [], set()
            chunk.append(item)
            if item.kind.startswith("new"):
                opened.add(item.ticket_of)
            if len(chunk) >= COMMIT_EVERY:
                deliver(chunk)
                chunk, opened = [], set()
        if chunk:
            deliver(chunk)
        if profiler is not None:
            profiler.disable()
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    if profiler is not None:
        _print_profile(profiler, queries, count)
        if profile != "-":
            profiler.dump_stats(profile)
    states = dict(InboundMail.objects.values_list("state").annotate(n=Count("id")))
    kinds: dict[str, int] = {}
    for item in items:
        kinds[item.kind] = kinds.get(item.kind, 0) + 1
    result = {
        "seconds": elapsed,
        "cpu": cpu,
        "messages": count,
        "queries": queries.total,
        "states": states,
        "kinds": kinds,
    }
    print(json.dumps(result))


class QueryCounter:
    """Counts the statements ``receive`` sends, by their first words (``--profile`` prints
    them)."""

    def __init__(self) -> None:
        self.total = 0
        self.kinds: dict[str, int] = {}

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.total += 1
        words = sql.split()
        if words[:1] == ["SELECT"]:
            kind = _select_from(sql)
        elif words[:1] in (["SAVEPOINT"], ["RELEASE"]):
            kind = words[0]
        else:
            kind = " ".join(words[:3])
        self.kinds[kind] = self.kinds.get(kind, 0) + 1
        return execute(sql, params, many, context)


def _select_from(sql: str) -> str:
    tail = sql.partition(" FROM ")[2].split()
    return f"SELECT FROM {tail[0] if tail else '?'}"


def _print_profile(profiler: cProfile.Profile, queries: QueryCounter, count: int) -> None:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(30)
    print(out.getvalue(), file=sys.stderr)
    print(f"{queries.total / count:.2f} statements per message:", file=sys.stderr)
    for kind, n in sorted(queries.kinds.items(), key=lambda item: -item[1]):
        print(f"  {n / count:6.2f}  {kind}", file=sys.stderr)


# --- orchestration ----------------------------------------------------------------------------
def _pg_admin(url: str, sql: str) -> None:
    import psycopg

    admin = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql)


def _pg_name(url: str) -> str:
    name = urlsplit(url).path.lstrip("/")
    if not name.startswith("sustain_bench_"):
        sys.exit(f"refusing to drop {name!r}: the scratch database must be named sustain_bench_*")
    return name


def one_run(
    database: str, pg_url: str, count: int, seed: int, *, profile: str = ""
) -> dict[str, object]:
    data_dir = Path(tempfile.mkdtemp(prefix="sustain-mail-bench-"))
    env = {**os.environ, "SECRET_KEY": "bench", "SUSTAIN_DATA_DIR": str(data_dir)}
    env.pop("SUSTAIN_TESTING", None)
    env["DJANGO_SETTINGS_MODULE"] = "sustain.settings"
    if database == "postgres":
        name = _pg_name(pg_url)
        _pg_admin(pg_url, f'DROP DATABASE IF EXISTS "{name}"')
        _pg_admin(pg_url, f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = pg_url
    else:
        env["DATABASE_URL"] = f"sqlite:///{data_dir / 'bench.sqlite3'}"
    try:
        sustain = str(Path(sys.executable).parent / "sustain")
        subprocess.run([sustain, "migrate", "-v", "0"], env=env, check=True, cwd=ROOT)
        script = [
            sys.executable,
            __file__,
            "--worker",
            "--messages",
            str(count),
            "--seed",
            str(seed),
            *(["--profile", profile] if profile else []),
        ]
        done = subprocess.run(script, env=env, check=True, cwd=ROOT, capture_output=True, text=True)
        if profile:
            print(done.stderr, flush=True)
        result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
        return result
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
        if database == "postgres":
            _pg_admin(pg_url, f'DROP DATABASE IF EXISTS "{_pg_name(pg_url)}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--postgres-url", default=DEFAULT_PG_URL)
    parser.add_argument(
        "--profile",
        nargs="?",
        const="-",
        default="",
        metavar="FILE",
        help="one run per database under cProfile; prints where the time went and the "
        "statements per message, and keeps the pstats in FILE-<database> if given (the "
        "rates are then slower than without)",
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        sys.path.insert(0, str(ROOT))
        worker(args.messages, args.seed, args.profile)
        return
    if args.profile:
        args.runs = 1
    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    rates: dict[str, list[float]] = {database: [] for database in databases}
    cpu_rates: dict[str, list[float]] = {database: [] for database in databases}
    # Runs alternate between the databases, so a machine that gets busier halfway through
    # skews both alike.
    for run in range(args.runs):
        for database in databases:
            profile = args.profile
            if profile and profile != "-":
                profile = str(Path(f"{profile}-{database}").resolve())
            result = one_run(database, args.postgres_url, args.messages, args.seed, profile=profile)
            seconds, cpu = float(str(result["seconds"])), float(str(result["cpu"]))
            per_message = float(str(result["queries"])) / args.messages
            rates[database].append(args.messages / seconds)
            cpu_rates[database].append(args.messages / cpu)
            print(f"{database} run {run + 1}: {args.messages} messages in {seconds:.1f} s "
                  f"= {rates[database][-1]:.0f} messages/s (worker CPU {cpu:.1f} s = "
                  f"{cpu_rates[database][-1]:.0f}/s; {per_message:.1f} statements/message); "
                  f"{result['states']}", flush=True)  # fmt: skip
    print(f"corpus: {result['kinds']}")
    for database in databases:
        print(f"{database}: median {statistics.median(rates[database]):.0f} messages/s per worker "
              f"({statistics.median(cpu_rates[database]):.0f} per second of worker CPU), "
              f"{args.runs} runs of {args.messages}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
