"""Error codes of the web-chat visitor API (stable, machine-readable, snake_case); the body of
every refusal is {"error": code, "detail": text}."""

from __future__ import annotations

from enum import StrEnum

from mehvar.core.errors import DomainError


class WebchatErrorCode(StrEnum):
    TOKEN_MISSING = "chat_token_missing"
    SESSION_INVALID = "chat_session_invalid"
    ORIGIN_NOT_ALLOWED = "chat_origin_not_allowed"
    BODY_NOT_JSON = "chat_body_not_json"
    BODY_TOO_LARGE = "chat_body_too_large"
    CLIENT_ID_INVALID = "chat_client_id_invalid"
    TEXT_INVALID = "chat_text_invalid"
    MESSAGE_EMPTY = "chat_message_empty"
    MESSAGE_TOO_LONG = "chat_message_too_long"
    AFTER_INVALID = "chat_after_invalid"
    EMAIL_INVALID = "chat_email_invalid"
    EMAIL_MISSING = "chat_email_missing"
    CONVERSATION_MISSING = "chat_conversation_missing"
    RATE_LIMITED = "chat_rate_limited"
    METHOD_NOT_ALLOWED = "chat_method_not_allowed"


class BadRequest(DomainError):
    status = 400


class TooManyRequests(DomainError):
    status = 429


class PayloadTooLarge(DomainError):
    status = 413


class Unauthorized(DomainError):
    status = 401


class MethodNotAllowed(DomainError):
    status = 405
