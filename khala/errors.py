"""Domain exceptions. Each carries a message a person can read.

State turns them into inline messages/toasts; the REST API into RFC 9457 problem+json with ``status``.
"""

from __future__ import annotations

FORM = "form"  # the key ``by_field`` uses for a message about the whole form


class DomainError(Exception):
    status = 400
    code = "error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def by_field(self) -> dict[str, str]:
        """Field name → message, as forms show it; an error not tied to a field goes under "form"."""
        return {self.field or FORM: self.message}


class InvalidInput(DomainError):
    """One or more fields are wrong; ``errors`` maps field name to message."""

    status = 422
    code = "invalid-input"

    def __init__(self, errors: dict[str, str] | str, message: str | None = None) -> None:
        if isinstance(errors, str):
            errors = {"__all__": errors}
        self.errors = errors
        super().__init__(message or "; ".join(errors.values()))

    def by_field(self) -> dict[str, str]:
        """``errors`` as forms show them: the whole-form entry ("__all__") is named "form"."""
        return {(FORM if k == "__all__" else k): v for k, v in self.errors.items()}


class NotFound(DomainError):
    status = 404
    code = "not-found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class NotAuthenticated(DomainError):
    status = 401
    code = "not-authenticated"


class NotVerified(DomainError):
    status = 403
    code = "not-verified"


class RateLimited(DomainError):
    status = 429
    code = "rate-limited"

    def __init__(self, message: str, *, retry_after: float = 0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Conflict(DomainError):
    status = 409
    code = "conflict"


class SoldOut(Conflict):
    code = "sold-out"


class SalesClosed(Conflict):
    code = "sales-closed"


class AlreadyRegistered(Conflict):
    code = "already-registered"

    def __init__(self, message: str, *, registration_id: str | None = None) -> None:
        super().__init__(message)
        self.registration_id = registration_id
