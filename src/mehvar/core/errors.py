"""Domain errors: a stable machine-readable code, a translatable detail and an HTTP status.

The API maps every DomainError to {"error": code, "detail": text}; HTMX views show the detail
beside the field. Each context lists its codes in its own errors.py.
"""

from __future__ import annotations

from django.utils.functional import Promise


class DomainError(Exception):
    status = 400

    def __init__(self, code: str, detail: str | Promise, *, field: str | None = None) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.field = field


class Invalid(DomainError):
    status = 422


class NotFound(DomainError):
    status = 404


class PermissionDenied(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409
