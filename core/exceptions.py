"""One hierarchy of domain errors.

Services raise these; the HTML layer turns them into a flash message or a form
error and the API's exception handler turns them into the common error body.
"""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the product refused the action. ``code`` is stable for clients."""

    code = "invalid"
    status_code = 400

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code

    @property
    def field_errors(self) -> dict[str, list[str]]:
        """Messages by field; ``__all__`` holds those about the whole input."""
        return {self.field or "__all__": [self.message]}


class PermissionDenied(DomainError):
    """The actor is inside the organization but lacks the role for this action."""

    code = "permission_denied"
    status_code = 403


class NotFound(DomainError):
    """Missing, or not visible to the acting organization: both look the same."""

    code = "not_found"
    status_code = 404


class InvalidTransition(DomainError):
    """A state machine refused a move from the object's current status."""

    code = "invalid_transition"
    status_code = 409


class Conflict(DomainError):
    """The action clashes with existing data (a duplicate, a used link)."""

    code = "conflict"
    status_code = 409


class IdempotencyKeyReused(DomainError):
    """An ``Idempotency-Key`` already answered a different request: the client must pick a new key."""

    code = "idempotency_key_reused"
    status_code = 422


class AuthenticationFailed(DomainError):
    """The credentials offered (password, second factor) do not prove who the caller is."""

    code = "authentication_failed"
    status_code = 401


class RateLimited(DomainError):
    """Too many attempts in a short time (failed sign-ins, wrong codes): try again later."""

    code = "throttled"
    status_code = 429


class Unavailable(DomainError):
    """Something the answer needs is not set up or not reachable right now; nothing was changed."""

    code = "unavailable"
    status_code = 503


class Invalid(DomainError):
    """Input broke several rules at once; each message belongs to a field."""

    code = "validation_error"
    status_code = 400

    def __init__(self, errors: dict[str, list[str]]):
        first_field, messages = next(iter(errors.items()))
        super().__init__(messages[0], field=None if first_field == "__all__" else first_field)
        self.errors = errors

    @property
    def field_errors(self) -> dict[str, list[str]]:
        return self.errors


class ErrorCollector:
    """Gather every broken rule of one input, then raise them together.

    errors = ErrorCollector()
    if amount <= 0:
        errors.add("amount", "Enter an amount above zero.")
    errors.raise_if_any()
    """

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str | None, message: str) -> None:
        """Record ``message`` for ``field``, once however many times a check finds it (one per row, say)."""
        messages = self.errors.setdefault(field or "__all__", [])
        if message not in messages:
            messages.append(message)

    def absorb(self, error: DomainError) -> None:
        """Add every message of another refusal (a check that raises) to these."""
        for field, messages in error.field_errors.items():
            for message in messages:
                self.add(field, message)

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            raise Invalid(self.errors)
