"""The OpenAPI document: the errors each operation gives, and who may call it.

django-ninja documents an operation's answers from its ``response=``, and its security from its
``auth=``. Errors are not answers a view returns: they are exceptions that ``problems.install``
turns into problem details, so ninja would document none of them; and an operation that also
lets anonymous callers in (``AllowAnonymous`` last in its ``auth=``) would be documented as
needing a token. ``DocumentedAPI`` builds the document with both added, for every operation
at once, from what the operation is:

- 400 when it takes a JSON body: a body that is not JSON;
- 401 when it needs a caller (no ``AllowAnonymous``): no token, or a bad one;
- 403 when it needs a caller and changes something (POST, PUT, PATCH, DELETE): a role that
  may not, or, with a session, a missing CSRF token;
- 404 when it has path parameters: the thing does not exist, or the caller may not see it;
- 413 when it takes a body: a body or a file over the limit;
- 422 when it takes any input (parameters or a body): the input is invalid.

What depends on the service rather than on the shape — a read refused to some roles (403), a
conflict with the current state (409), a thing named in the body that is not found (404), an
upstream server that does not answer (502) — the operation declares itself, with ``Problem`` in
its ``response=`` (``response={200: AuditPage, 403: Problem}``). Every error response is
documented as ``application/problem+json`` with the ``Problem`` schema.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.openapi.schema import REF_TEMPLATE, OpenAPISchema
from ninja.operation import Operation
from pydantic import Field

from sustain.core.problems import PROBLEM_CONTENT_TYPE
from sustain.core.schemas import Out


class Problem(Out):
    """An RFC 9457 problem document: what every error of the API answers."""

    type: str = Field(..., description="Always `about:blank`.")
    title: str = Field(..., description="A short name for the status, such as `Invalid input`.")
    status: int = Field(..., description="The HTTP status.")
    detail: str = Field(..., description="A sentence for people.")
    errors: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Messages by field name (only when a field is to blame).",
    )
    allowed: list[str] = Field(
        default_factory=list,
        description="Only for refused status transitions: the statuses that are allowed.",
    )


class AllowAnonymous:
    """Last in an operation's ``auth=``: a caller without valid credentials gets in as an
    anonymous visitor (``request.auth`` is an ``AnonymousUser``). The document marks the
    operation's security optional (``{}``) and declares no 401 for it."""

    def __call__(self, request: HttpRequest) -> AnonymousUser:
        return AnonymousUser()


UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

DESCRIPTIONS = {
    400: "The body is not valid JSON.",
    401: "No valid API token (`Authorization: Bearer <token>`) and no signed-in session.",
    403: "Your role may not do this.",
    404: "It does not exist, or you may not see it.",
    409: "A conflict with the current state (a stale revision, a refused transition, a "
    "duplicate, a ticket that was merged).",
    413: "The body, or a file in it, is larger than the limit.",
    422: "Invalid input; `errors` names each field.",
    502: "A server Sustain depends on did not answer.",
}
CSRF_NOTE = " With a session (no token), also: the CSRF token is missing or wrong."


def allows_anonymous(operation: Operation) -> bool:
    return any(isinstance(auth, AllowAnonymous) for auth in operation.auth_callbacks)


def needs_caller(operation: Operation) -> bool:
    return bool(operation.auth_callbacks) and not allows_anonymous(operation)


def shape_errors(operation: Operation, details: dict[str, Any]) -> set[int]:
    """The error statuses ``operation`` gives by its shape (the table of the module)."""
    statuses: set[int] = set()
    body = details.get("requestBody")
    parameters = details.get("parameters") or []
    if body:
        statuses |= {413, 422}
        if "application/json" in body.get("content", {}):
            statuses.add(400)
    if parameters:
        statuses.add(422)
    if any(p.get("in") == "path" for p in parameters):
        statuses.add(404)
    if needs_caller(operation):
        statuses.add(401)
        if UNSAFE_METHODS & set(operation.methods):
            statuses.add(403)
    return statuses


class Document(OpenAPISchema):
    """Ninja's document, with the errors and the optional security of each operation."""

    def operation_details(self, operation: Operation) -> dict[str, Any]:
        details: dict[str, Any] = super().operation_details(operation)
        responses: dict[int, Any] = details["responses"]
        declared = {status for status in responses if isinstance(status, int) and status >= 400}
        unsafe = bool(UNSAFE_METHODS & set(operation.methods)) and needs_caller(operation)
        for status in sorted(declared | shape_errors(operation, details)):
            description = DESCRIPTIONS.get(status) or responses.get(status, {}).get(
                "description", "Error"
            )
            if status == 403 and unsafe:
                description += CSRF_NOTE
            responses[status] = {
                "description": description,
                "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": self._problem_ref()}}},
            }
        details["responses"] = dict(sorted(responses.items()))
        return details

    def operation_security(self, operation: Operation) -> list[dict[str, Any]] | None:
        security = super().operation_security(operation)
        if security is not None and allows_anonymous(operation):
            # OpenAPI's way of saying "or no credentials at all".
            security.append({})
        return security

    def _problem_ref(self) -> str:
        if "Problem" not in self.schemas:
            self.schemas["Problem"] = Problem.model_json_schema(ref_template=REF_TEMPLATE)
        return REF_TEMPLATE.format(model="Problem")


class DocumentedAPI(NinjaAPI):
    """A NinjaAPI whose OpenAPI document is ``Document``."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return Document(self, path_prefix)
