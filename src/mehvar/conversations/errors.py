"""Error codes of the conversations context (stable, machine-readable, snake_case)."""

from __future__ import annotations

from enum import StrEnum

from mehvar.core.errors import Invalid


class ConversationErrorCode(StrEnum):
    CONVERSATION_NOT_FOUND = "conversation_not_found"
    MESSAGE_NOT_FOUND = "message_not_found"
    ATTACHMENT_NOT_FOUND = "attachment_not_found"
    CONVERSATION_CLOSED = "conversation_closed"
    STATUS_INVALID = "status_invalid"
    STATUS_TRANSITION_INVALID = "status_transition_invalid"
    PRIORITY_INVALID = "priority_invalid"
    CHANNEL_INVALID = "channel_invalid"
    AUTHOR_INVALID = "author_invalid"
    SUBJECT_INVALID = "subject_invalid"
    MESSAGE_EMPTY = "message_empty"
    MESSAGE_TOO_LONG = "message_too_long"
    LANGUAGE_INVALID = "language_invalid"
    EXTERNAL_ID_INVALID = "external_id_invalid"
    TAGS_INVALID = "tags_invalid"
    CUSTOM_FIELDS_INVALID = "custom_fields_invalid"
    TEAM_NOT_FOUND = "team_not_found"
    ASSIGNEE_INVALID = "assignee_invalid"
    ATTACHMENT_TOO_LARGE = "attachment_too_large"
    ATTACHMENT_INVALID = "attachment_invalid"


class AttachmentTooLarge(Invalid):
    """An Invalid that the API answers with 413 Content Too Large."""

    status = 413
