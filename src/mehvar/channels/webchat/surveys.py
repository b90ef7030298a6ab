"""The chat-survey seam: the voice-of-the-customer context (above channels, which cannot
import it) registers how to offer a solved chat's survey and how to store the visitor's
answer; the widget's /chat/survey endpoint calls them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Offer = Callable[..., dict[str, Any] | None]
Answer = Callable[..., int]
_registered: dict[str, Any] = {}


def register_chat_survey(*, offer: Offer, answer: Answer) -> None:
    _registered["offer"], _registered["answer"] = offer, answer


def chat_survey_offer(*, conversation_id: int) -> dict[str, Any] | None:
    offer = _registered.get("offer")
    return offer(conversation_id=conversation_id) if offer is not None else None


def chat_survey_answer(*, conversation_id: int, score: object, comment: object) -> int | None:
    answer = _registered.get("answer")
    if answer is None:
        return None
    return int(answer(conversation_id=conversation_id, score=score, comment=comment))
