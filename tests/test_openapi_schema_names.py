"""The OpenAPI document names each schema once.

django-ninja files a schema under its class name: two classes of one name in different apps
end up as one component, and every operation that uses either is documented with whichever
came last (ticket transitions were documented with the knowledge base's statuses).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections import defaultdict

import pytest
from pydantic import BaseModel

import sustain

pytestmark = pytest.mark.django_db


def _api_models() -> dict[str, set[str]]:
    for module in pkgutil.walk_packages(sustain.__path__, "sustain."):
        name = module.name
        if name.endswith((".schemas", ".api")) and ".tests" not in name:
            importlib.import_module(name)
    seen: dict[str, set[str]] = defaultdict(set)
    pending = list(BaseModel.__subclasses__())
    while pending:
        model = pending.pop()
        pending.extend(model.__subclasses__())
        module = model.__module__
        if module.startswith("sustain.") and module.endswith((".schemas", ".api")):
            seen[model.__name__].add(f"{module}.{model.__qualname__}")
    return seen


def test_no_two_api_schemas_share_a_name():
    shared = {name: sorted(where) for name, where in _api_models().items() if len(where) > 1}
    assert shared == {}


def test_ticket_transitions_are_documented_with_ticket_statuses(client):
    document = client.get("/api/v1/openapi.json").json()
    schemas = document["components"]["schemas"]
    ticket_statuses = set(schemas["TicketTransitionIn"]["properties"]["status"].get("enum", []))
    if not ticket_statuses:
        ticket_statuses = set(
            schemas[schemas["TicketTransitionIn"]["properties"]["status"]["$ref"].split("/")[-1]][
                "enum"
            ]
        )
    assert {"pending_customer", "resolved"} <= ticket_statuses
    for name in ("ArticleTransitionIn", "KbReportOut", "SlaReportOut"):
        assert name in schemas
    assert {"TicketAttachmentOut", "ArticleAttachmentOut"} <= set(schemas)
