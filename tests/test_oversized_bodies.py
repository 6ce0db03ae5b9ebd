"""A body the API will not read gets problem details, never Django's HTML 400 page: 413 over
Django's limits (``DATA_UPLOAD_MAX_MEMORY_SIZE``, too many fields), 400 when it is malformed.

Every operation of the OpenAPI document that takes a JSON body is walked with a declared
``Content-Length`` over the limit; one body really is that large. The raw e-mail upload has
its own, larger limit (``sustain/mail/tests/test_api.py``).
"""

from __future__ import annotations

import json
import re

import pytest
from django.conf import settings
from django.test import Client

from sustain.accounts.models import User
from sustain.api import api
from sustain.core.testing import V1, assert_problem
from sustain.factories import make_token
from sustain.releases.deployments import webhooks as deployment_webhooks
from sustain.tickets.models import Ticket

DOCUMENT = api.get_openapi_schema(path_prefix="")
# Bodies read with a limit of their own: the signed deployment report (a few hundred bytes).
OWN_LIMITS = {"/deployment-hooks/{hook_id}/deliveries": deployment_webhooks.MAX_BODY_BYTES}
JSON_BODIES = [
    pytest.param(method.upper(), path, id=f"{method.upper()} {path}")
    for path, operations in DOCUMENT["paths"].items()
    for method, operation in operations.items()
    if "application/json" in operation.get("requestBody", {}).get("content", {})
]


def test_the_walk_reaches_every_kind_of_write() -> None:
    methods = {case.values[0] for case in JSON_BODIES}
    assert methods == {"POST", "PATCH", "PUT"}, methods
    assert len(JSON_BODIES) > 20, len(JSON_BODIES)


def admin_client(user: User) -> Client:
    _, raw = make_token(user)
    return Client(headers={"Authorization": f"Bearer {raw}"})


@pytest.mark.parametrize(("method", "path"), JSON_BODIES)
def test_a_json_body_declared_over_the_limit_is_413(admin: User, method: str, path: str) -> None:
    url = V1 + re.sub(r"\{[^}]+\}", "1", path)
    declared = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1

    response = admin_client(admin).generic(
        method, url, b"{}", "application/json", CONTENT_LENGTH=str(declared)
    )

    problem = assert_problem(response, 413)
    limit = OWN_LIMITS.get(path, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    assert str(limit) in problem["detail"]


def test_a_json_body_over_the_limit_is_413_and_creates_nothing(admin: User) -> None:
    body = json.dumps({"title": "big", "description": "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE})

    response = admin_client(admin).post(f"{V1}/tickets", body, "application/json")

    assert_problem(response, 413)
    assert not Ticket.objects.exists()


def test_too_many_form_fields_is_413(admin: User, bobs_ticket: Ticket) -> None:
    fields = {f"field{n}": "x" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    messages = bobs_ticket.messages.count()

    response = admin_client(admin).post(f"{V1}/tickets/{bobs_ticket.number}/attachments", fields)

    problem = assert_problem(response, 413)
    assert "fields" in problem["detail"]
    assert bobs_ticket.messages.count() == messages


def test_a_malformed_multipart_body_is_400(admin: User, bobs_ticket: Ticket) -> None:
    response = admin_client(admin).generic(
        "POST",
        f"{V1}/tickets/{bobs_ticket.number}/attachments",
        b"--x\r\nno headers and no end",
        "multipart/form-data",  # no boundary
    )

    assert_problem(response, 400)
