"""The whole OpenAPI document, fuzzed: schemathesis against the application, in-process.

Every operation of /api/v1/openapi.json is called with requests generated from the document
(valid and invalid ones), as an administrator and as a customer, on the suite's database (so
`make test` runs it on SQLite and on PostgreSQL). Every answer must be no server error, carry a
status and a content type that the document declares for the operation, and match the declared
schema. The run is seeded (derandomized) and bounded (``MAX_EXAMPLES`` per operation), so it
finds the same things on every machine in the same time.

The fuzzer gets a world to hit (``tests/api_world.py``): tickets with messages, files and links,
knowledge-base articles with a file, an SLA calendar and policy, a mailbox, an inbound message,
a backup. A generated path id rarely names one of them, so every other request whose path
parameters are valid is sent to the real ones instead (``aim_at_the_world``).

The checks are schemathesis's, all but one (see ``_config``): no 5xx, a documented status and
content type, the response schema (with formats), the response headers, schema-violating input
refused, 401 without credentials where the document asks for them, 405 for methods an operation
does not have. The coverage phase runs as the administrator, bounded by ``within_bounds``.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation import GenerationMode
from schemathesis.generation.meta import CoveragePhaseData
from schemathesis.transport.serialization import serialize_binary

from sustain.api import api
from tests.api_world import World

MAX_EXAMPLES = 10
COVERAGE_EACH_KIND = 3


def _config(*, coverage: bool) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "mode": "all"},
            "phases": {"coverage": {"enabled": coverage}},
            "checks": {
                # "A request valid by the schema gets a 2xx": not a property of this API. Its
                # rules that JSON Schema cannot state answer 422 to schema-valid input by
                # design: an id must name a row the caller may see, a cursor must be one
                # Sustain gave out, a time zone must be an IANA name, a report spans at most
                # two years, a policy has one set of targets per priority.
                "positive_data_acceptance": {"enabled": False},
            },
            "operations": [
                {
                    # An IMAP server that does not answer is a 502 by design (documented):
                    # the world's mailbox points at a closed port. Any other 5xx still fails.
                    "include-path": "/api/v1/mail/mailboxes/{mailbox_id}/poll",
                    "checks": {
                        "not_a_server_error": {"expected-statuses": ["2xx", "3xx", "4xx", "502"]}
                    },
                }
            ],
        }
    )


def _schema(*, coverage: bool) -> Any:
    loaded = schemathesis.openapi.from_dict(DOCUMENT, config=_config(coverage=coverage))
    loaded.app = APP
    return loaded


DOCUMENT = api.get_openapi_schema(path_prefix="/api/v1")
APP = WSGIHandler()
# The coverage phase (boundary values of every parameter and field, each missing required
# field, each wrong type: a few hundred requests for the largest bodies) runs as the
# administrator, whose requests reach every service. Input validation is the same for every
# caller, so the customer gets the bounded fuzzing phase only.
as_admin = _schema(coverage=True)
as_customer = _schema(coverage=False)


@schemathesis.serializer("message/rfc822")
def _raw_message(context: Any, value: Any) -> dict[str, Any]:
    """POST /mail/inbound takes the message as it is (bytes); the fuzzer sends its bytes."""
    return {"data": serialize_binary(value)}


@pytest.fixture(autouse=True)
def _one_connection() -> Iterator[None]:
    """The requests run in the test's transaction: like Django's test client, keep the
    request signals from closing the connection (and with it the transaction)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


_valid_paths: Counter[str] = Counter()


def aim_at_the_world(case: Any, world: World) -> None:
    """Send every other request whose path parameters are valid to things that exist (the
    generated ones rarely name any). Counted per operation: the cases come in the same order
    in every run."""
    if not case.path_parameters:
        return
    component = case.meta.components.get(ParameterLocation.PATH) if case.meta else None
    if component is not None and component.mode is not GenerationMode.POSITIVE:
        return
    _valid_paths[case.operation.label] += 1
    if _valid_paths[case.operation.label] % 2:
        return
    known = world.path_ids(case.path)
    for name in case.path_parameters:
        if name in known:
            case.path_parameters[name] = known[name]


_coverage_seen: Counter[tuple[Any, ...]] = Counter()


def within_bounds(case: Any) -> bool:
    """Whether to send a case of the coverage phase: the first few of each kind (an
    operation's wrong types in the body, its boundary values in the query …), then one in
    four, chosen by a hash of the case so that every run sends the same ones."""
    data = case.meta.phase.data if case.meta else None
    if not isinstance(data, CoveragePhaseData):
        return True
    kind = (case.operation.label, data.scenario, data.parameter_location)
    _coverage_seen[kind] += 1
    if _coverage_seen[kind] <= COVERAGE_EACH_KIND:
        return True
    return zlib.crc32(f"{kind} {data.description} {case.body!r}".encode()) % 4 == 0


def call(case: Any, world: World, persona: str) -> None:
    if not within_bounds(case):
        return
    aim_at_the_world(case, world)
    case.call_and_validate(headers={"Authorization": f"Bearer {world.tokens[persona]}"})


# Hypothesis's health checks and deadline judge the speed of generation and of each request:
# on a busy CI machine they would fail a run that found nothing wrong.
RUN = settings(suppress_health_check=list(HealthCheck), deadline=None)


@as_admin.parametrize()
@RUN
def test_the_api_answers_the_administrator_as_documented(case, api_world):
    call(case, api_world, "admin")


@as_customer.parametrize()
@RUN
def test_the_api_answers_the_customer_as_documented(case, api_world):
    call(case, api_world, "bob")
