"""Measure a running Sustain server with concurrent API clients.

    python bench/load.py --url http://127.0.0.1:8001 [--token TOKEN | --email EMAIL]
                         [--clients 8] [--duration 20] [--requests 2000] [--repeat 3]

Three scenarios, one after the other, each with --clients threads that send requests
back-to-back until --requests are done or --duration seconds have passed:

  create  POST /api/v1/tickets                 (tickets/s)
  list    GET  /api/v1/tickets?status=open     (the first page of a filtered list)
  detail  GET  /api/v1/tickets/SUS-n           (n: a random existing ticket)

For each it prints throughput and p50/p95/p99 latency; with --repeat N it runs every
scenario N times and prints the median of each figure. Without --token it creates one by
running `sustain createtoken EMAIL` (with this environment: point DATABASE_URL at the
server's database). It talks only to a server on this machine (127.0.0.1, ::1, localhost).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
DEFAULT_EMAIL = "admin00@bench.example"  # created by bench/seed.py
SCENARIOS = ("create", "list", "detail")


@dataclass
class Result:
    scenario: str
    requests: int
    errors: int
    seconds: float
    per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


class Scenario:
    """Requests to send; ``request`` returns (method, path, json body or None)."""

    def __init__(self, name: str, teams: list[int], highest_ticket: int, seed: int) -> None:
        self.name, self.teams, self.highest_ticket = name, teams, highest_ticket
        self.rng = random.Random(seed)
        self.lock = threading.Lock()

    def request(self) -> tuple[str, str, dict[str, Any] | None]:
        with self.lock:  # random.Random is not meant to be shared between threads unlocked
            if self.name == "create":
                n = self.rng.randrange(10**6)
                body: dict[str, Any] = {
                    "title": f"Bench ticket {n}: export times out",
                    "description": "Created by bench/load.py to measure ticket creation.",
                    "kind": self.rng.choice(["incident", "service_request", "bug"]),
                    "impact": self.rng.choice(["high", "medium", "low"]),
                    "urgency": self.rng.choice(["high", "medium", "low"]),
                    "tags": ["bench"],
                }
                if self.teams:
                    body["team_id"] = self.rng.choice(self.teams)
                return "POST", "/api/v1/tickets", body
            if self.name == "list":
                return "GET", "/api/v1/tickets?status=open", None
            return "GET", f"/api/v1/tickets/SUS-{self.rng.randint(1, self.highest_ticket)}", None


def run_scenario(
    url: str, token: str, scenario: Scenario, clients: int, max_requests: int, duration: float
) -> Result:
    latencies: list[float] = []
    errors = 0
    sent = 0
    lock = threading.Lock()
    deadline = time.perf_counter() + duration

    def client() -> None:
        nonlocal errors, sent
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=url, headers=headers, timeout=60) as http:
            while time.perf_counter() < deadline:
                with lock:
                    if sent >= max_requests:
                        return
                    sent += 1
                method, path, body = scenario.request()
                started = time.perf_counter()
                try:
                    response = http.request(method, path, json=body)
                    ok = response.status_code < 400
                except httpx.HTTPError:
                    ok = False
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    errors += not ok

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    done = sorted(latencies)
    return Result(
        scenario=scenario.name,
        requests=len(done),
        errors=errors,
        seconds=seconds,
        per_second=len(done) / seconds,
        p50_ms=percentile(done, 0.50) * 1000,
        p95_ms=percentile(done, 0.95) * 1000,
        p99_ms=percentile(done, 0.99) * 1000,
        max_ms=(done[-1] if done else float("nan")) * 1000,
    )


def create_token(email: str) -> str:
    command = [str(ROOT / ".venv" / "bin" / "sustain"), "createtoken", email, "--name", "bench"]
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    if done.returncode != 0:
        sys.exit(f"`sustain createtoken {email}` failed:\n{done.stderr.strip()}")
    return done.stdout.strip().splitlines()[-1]


def discover(http: httpx.Client) -> tuple[list[int], int]:
    """The team ids to file tickets under and the highest ticket number there is."""
    me = http.get("/api/v1/users/me")
    if me.status_code != 200:
        sys.exit(f"The token does not work against {http.base_url}: HTTP {me.status_code}.")
    teams = [t["id"] for t in http.get("/api/v1/teams").json()]
    newest = http.get("/api/v1/tickets", params={"ordering": "-number", "limit": 1}).json()
    items = newest.get("items") or []
    highest = int(items[0]["number"].rsplit("-", 1)[1]) if items else 0
    return teams, highest


def print_results(title: str, results: list[Result]) -> None:
    print(title)
    print(
        f"  {'scenario':<8} {'requests':>8} {'errors':>6} {'req/s':>8} "
        f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}"
    )
    for r in results:
        print(
            f"  {r.scenario:<8} {r.requests:>8} {r.errors:>6} {r.per_second:>8.1f} "
            f"{r.p50_ms:>8.1f} {r.p95_ms:>8.1f} {r.p99_ms:>8.1f} {r.max_ms:>8.1f}"
        )


def median_result(runs: list[Result]) -> Result:
    def med(field: str) -> float:
        return float(statistics.median(getattr(r, field) for r in runs))

    return Result(
        scenario=runs[0].scenario,
        requests=round(med("requests")),
        errors=round(med("errors")),
        seconds=med("seconds"),
        per_second=med("per_second"),
        p50_ms=med("p50_ms"),
        p95_ms=med("p95_ms"),
        p99_ms=med("p99_ms"),
        max_ms=med("max_ms"),
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8001")
    parser.add_argument("--token", help="An API token; default: create one for --email.")
    parser.add_argument("--email", default=DEFAULT_EMAIL, help="User to create a token for.")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--duration", type=float, default=20.0, help="Seconds per scenario.")
    parser.add_argument("--requests", type=int, default=2000, help="Requests per scenario.")
    parser.add_argument("--repeat", type=int, default=1, help="Runs per scenario (median).")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--json", type=Path, help="Also write the results to this file.")
    args = parser.parse_args(argv)
    host = urlsplit(args.url).hostname
    if host not in LOCAL_HOSTS:
        parser.error(f"--url must point at this machine ({', '.join(sorted(LOCAL_HOSTS))}).")
    if not (1 <= args.clients <= 64 and 1 <= args.requests <= 100_000):
        parser.error("--clients must be 1 to 64 and --requests 1 to 100000")
    if not (0 < args.duration <= 600 and 1 <= args.repeat <= 10):
        parser.error("--duration must be up to 600 seconds and --repeat 1 to 10")
    scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = set(scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")

    token = args.token or create_token(args.email)
    with httpx.Client(
        base_url=args.url, headers={"Authorization": f"Bearer {token}"}, timeout=30
    ) as http:
        teams, highest = discover(http)
        for _ in range(10):  # warm up every worker's connection and caches
            http.get("/api/v1/tickets", params={"status": "open"})
    print(f"{args.url}: {highest:,} tickets, {len(teams)} teams, {args.clients} clients")

    runs: dict[str, list[Result]] = {name: [] for name in scenarios}
    for round_number in range(1, args.repeat + 1):
        results = []
        for seed, name in enumerate(scenarios):
            if name == "detail" and highest == 0:
                continue
            scenario = Scenario(name, teams, highest, seed + 100 * round_number)
            result = run_scenario(
                args.url, token, scenario, args.clients, args.requests, args.duration
            )
            runs[name].append(result)
            results.append(result)
        print_results(f"run {round_number}:", results)
    medians = [median_result(r) for r in runs.values() if r]
    if args.repeat > 1:
        print_results(f"median of {args.repeat} runs:", medians)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        document = {
            "url": args.url,
            "tickets": highest,
            "clients": args.clients,
            "runs": {name: [asdict(r) for r in results] for name, results in runs.items()},
            "median": [asdict(r) for r in medians],
        }
        args.json.write_text(json.dumps(document, indent=2))


if __name__ == "__main__":
    main()
