"""A client generated from the OpenAPI document works against the running API.

``openapi-python-client`` generates a Python package from /api/v1/openapi.json into a
temporary folder (offline, from the document itself), and that package opens a ticket, moves
it, replies and reads the conversation on a live server, as a client written against the
document would. A document the generator cannot read without a warning fails the test.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

from sustain.api import api
from sustain.factories import make_token

PACKAGE = "sustain_api_client"
# The raw e-mail upload takes message/rfc822, which the generator does not know; it may treat
# it as the bytes it is. Formatting the generated code (its default post-hook) is not needed.
GENERATOR_CONFIG = """\
post_hooks: []
content_type_overrides:
  message/rfc822: application/octet-stream
"""


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    tmp_path = tmp_path_factory.mktemp("client")
    document = tmp_path / "openapi.json"
    document.write_text(json.dumps(api.get_openapi_schema(path_prefix="/api/v1")))
    config = tmp_path / "config.yaml"
    config.write_text(GENERATOR_CONFIG)
    result = subprocess.run(
        [
            *(sys.executable, "-m", "openapi_python_client", "generate"),
            *("--path", str(document), "--config", str(config), "--meta", "none"),
            *("--output-path", str(tmp_path / PACKAGE), "--fail-on-warning"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


@pytest.fixture
def agent_client(generated: ModuleType, live_server: Any, alice: Any) -> Iterator[Any]:
    """The generated client, as alice (an agent). Closed at the end: a kept-alive connection
    would keep a live-server thread, and its database session, open past the test."""
    _, token = make_token(alice)
    with generated.AuthenticatedClient(
        base_url=live_server.url, token=token, raise_on_unexpected_status=True
    ) as opened:
        yield opened


def operation(name: str) -> Any:
    """The generated module of a ticket operation (named after its operationId)."""
    return importlib.import_module(f"{PACKAGE}.api.tickets.sustain_tickets_api_{name}")


def test_a_generated_client_opens_moves_and_reads_a_ticket(agent_client, alice, bob):
    client = agent_client
    models = importlib.import_module(f"{PACKAGE}.models")

    opened = operation("create_ticket").sync(
        client=client,
        body=models.TicketIn(
            title="VPN down", description="Nobody can connect.", requester_id=bob.pk
        ),
    )
    assert isinstance(opened, models.TicketDetail)
    assert opened.requester.id == bob.pk

    moved = operation("transition").sync(
        ref=opened.number,
        client=client,
        body=models.TicketTransitionIn(status=models.Status.PENDING_CUSTOMER),
    )
    assert isinstance(moved, models.TicketDetail)
    assert moved.status == models.Status.PENDING_CUSTOMER

    reply = operation("add_message").sync(
        ref=opened.number, client=client, body=models.MessageIn(body="Which office are you in?")
    )
    assert isinstance(reply, models.MessageOut)

    messages = operation("list_messages").sync(ref=opened.number, client=client)
    assert [m.body for m in messages] == ["Nobody can connect.", "Which office are you in?"]
    assert messages[0].author.id == alice.pk


def test_a_generated_client_reads_a_refusal_as_a_problem(agent_client):
    client = agent_client
    models = importlib.import_module(f"{PACKAGE}.models")
    opened = operation("create_ticket").sync(
        client=client, body=models.TicketIn(title="VPN down", description="Nobody can connect.")
    )

    transition = operation("transition")
    transition.sync(
        ref=opened.number,
        client=client,
        body=models.TicketTransitionIn(status=models.Status.RESOLVED),
    )

    refused = transition.sync_detailed(
        ref=opened.number,
        client=client,
        body=models.TicketTransitionIn(status=models.Status.PENDING_CUSTOMER),
    )

    assert refused.status_code == 409
    assert isinstance(refused.parsed, models.Problem)
    assert refused.parsed.status == 409
    assert refused.parsed.allowed == ["closed", "open"]
