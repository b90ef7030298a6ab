"""Error codes of the intelligence context (stable, machine-readable, snake_case)."""

from __future__ import annotations

from enum import StrEnum


class IntelligenceErrorCode(StrEnum):
    INSIGHT_NOT_FOUND = "insight_not_found"
    SENTIMENT_INVALID = "sentiment_invalid"
    INTENT_INVALID = "intent_invalid"
    INTENT_NOT_FOUND = "intent_not_found"
    INTENT_EXISTS = "intent_exists"
    MODEL_NOT_FOUND = "model_not_found"
    TASK_INVALID = "model_task_invalid"
    LANGUAGE_INVALID = "model_language_invalid"
    NOT_ENOUGH_DATA = "not_enough_training_data"
    BACKEND_UNAVAILABLE = "model_backend_unavailable"
