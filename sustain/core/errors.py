"""Errors that services raise; the API turns each into an RFC 9457 problem response."""

from __future__ import annotations

from collections.abc import Iterable


class ServiceError(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, detail: str, *, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        # Per-field messages, keyed by the field name the client sent.
        self.errors = errors or {}


class NotFound(ServiceError):
    status = 404
    title = "Not found"


class PermissionDenied(ServiceError):
    status = 403
    title = "Forbidden"


class ValidationFailed(ServiceError):
    status = 422
    title = "Invalid input"

    @classmethod
    def field(cls, name: str, message: str) -> ValidationFailed:
        return cls(f"{name}: {message}", errors={name: [message]})


class Conflict(ServiceError):
    status = 409
    title = "Conflict"


class InvalidTransition(Conflict):
    title = "Transition not allowed"

    def __init__(self, current: str, requested: str, allowed: Iterable[str]) -> None:
        self.allowed = sorted(allowed)
        listed = ", ".join(self.allowed) or "none"
        super().__init__(
            f"A ticket in status '{current}' cannot move to '{requested}'. Allowed: {listed}.",
            errors={"status": [f"allowed transitions: {listed}"]},
        )


class PayloadTooLarge(ServiceError):
    status = 413
    title = "Payload too large"
