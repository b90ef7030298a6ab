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
    COMPLAINT_NOT_FOUND = "complaint_not_found"
    COMPLAINT_INVALID = "complaint_invalid"
    COMPLAINT_FINISHED = "complaint_finished"
    COMPLAINT_CLOSED = "complaint_closed"
    COMPLAINT_RECEIVED = "complaint_already_received"
    OWNER_INVALID = "complaint_owner_invalid"
    TEAM_NOT_FOUND = "team_not_found"
    FEEDBACK_INVALID = "feedback_invalid"
    ITEM_NOT_FOUND = "feedback_item_not_found"
    AREA_NOT_FOUND = "product_area_not_found"
    AREA_TAKEN = "product_area_taken"
    RESPONSE_NOT_FOUND = "survey_response_not_found"
    ALREADY_FILED = "feedback_already_filed"
    WEBHOOK_INVALID = "webhook_invalid"
    WEBHOOK_NOT_FOUND = "webhook_not_found"
    SCHEDULE_INVALID = "survey_schedule_invalid"
    SCHEDULE_NOT_FOUND = "survey_schedule_not_found"
    ANSWERS_INVALID = "survey_answers_invalid"
