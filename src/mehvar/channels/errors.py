"""Error codes of the channels context (stable, machine-readable, snake_case)."""

from __future__ import annotations

from enum import StrEnum


class ChannelErrorCode(StrEnum):
    ENVELOPE_NOT_FOUND = "envelope_not_found"
    ENVELOPE_NOT_PARKED = "envelope_not_parked"
    OUTBOUND_NOT_FOUND = "outbound_not_found"
    OUTBOUND_NOT_FAILED = "outbound_not_failed"
    MAILBOX_NOT_FOUND = "mailbox_not_found"
    MAILBOX_INVALID = "mailbox_invalid"
    CALL_INVALID = "call_invalid"
    CALL_NOT_FOUND = "call_not_found"
    FILTER_INVALID = "filter_invalid"  # the same code as the web layer's inbox filters


class DeliveryError(Exception):
    """A channel could not deliver. `permanent` failures (a refused recipient, a provider's
    4xx) are not retried; others are, with backoff."""

    def __init__(self, detail: str, *, permanent: bool = False) -> None:
        super().__init__(detail)
        self.detail = detail[:1000]
        self.permanent = permanent
