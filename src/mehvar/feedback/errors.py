"""Error codes of the feedback context (stable, machine-readable, snake_case)."""

from __future__ import annotations

from enum import StrEnum


class FeedbackErrorCode(StrEnum):
    SURVEY_NOT_FOUND = "survey_not_found"
    SURVEY_INVALID = "survey_invalid"
    LINK_INVALID = "survey_link_invalid"
    LINK_EXPIRED = "survey_link_expired"
    SCORE_INVALID = "score_invalid"
    COMMENT_INVALID = "comment_invalid"
    RESPONSE_LOCKED = "response_locked"
    SURVEY_FATIGUE = "survey_fatigue"
    NOT_DELIVERABLE = "survey_not_deliverable"
