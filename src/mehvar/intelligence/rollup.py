"""What a conversation's messages add up to: the customer's latest sentiment, the first
intent they made clear, and the predicted risk of a bad rating. Refreshed after each
enrichment batch and each correction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from mehvar.intelligence.models import ConversationInsight, MessageInsight
from mehvar.intelligence.satisfaction import risks_for

UNKNOWN_INTENT = "unknown"


def conversations_refresh(conversation_ids: Iterable[int], *,
                          now: datetime) -> dict[int, str]:
    """Each conversation's insight from its messages' (corrections first): the customer's
    latest sentiment, the first intent the customer made clear, and the predicted risk.
    Returns each conversation's intent."""
    ids = sorted(set(conversation_ids))
    if not ids:
        return {}
    latest: dict[int, tuple[str, float]] = {}
    # (rank, intent, confidence): a correction (0) before a prediction (1) before "unknown"
    # (2); the earliest message of the best rank wins.
    best: dict[int, tuple[int, str, float]] = {}
    for conversation_id, sentiment, corrected, score, intent, fixed, intent_score in (
            MessageInsight.objects.filter(conversation_id__in=ids, from_customer=True)
            .order_by("conversation_id", "created_at", "message_id")
            .values_list("conversation_id", "sentiment", "corrected_sentiment",
                         "sentiment_score", "intent", "corrected_intent", "intent_score")):
        if corrected or sentiment:
            latest[conversation_id] = (corrected or sentiment, 1.0 if corrected else score)
        if fixed:
            candidate = (0, fixed, 1.0)
        elif intent:
            candidate = (2 if intent == UNKNOWN_INTENT else 1, intent, intent_score)
        else:
            continue
        if conversation_id not in best or candidate[0] < best[conversation_id][0]:
            best[conversation_id] = candidate
    intents = {key: (value[1], value[2]) for key, value in best.items()}
    risks = risks_for(ids, now=now)
    rows = []
    for conversation_id in ids:
        sentiment, sentiment_score = latest.get(conversation_id, ("", 0.0))
        intent, intent_score = intents.get(conversation_id, ("", 0.0))
        risk = risks.get(conversation_id)
        rows.append(ConversationInsight(
            conversation_id=conversation_id, sentiment=sentiment,
            sentiment_score=sentiment_score, intent=intent, intent_score=intent_score,
            risk=risk.probability if risk else None, risk_level=risk.level if risk else "",
            risk_reasons=risk.reasons if risk else [], risk_model=risk.model if risk else "",
            updated_at=now))
    ConversationInsight.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["conversation"],
        update_fields=["sentiment", "sentiment_score", "intent", "intent_score", "risk",
                       "risk_level", "risk_reasons", "risk_model", "updated_at"])
    return {conversation_id: intent for conversation_id, (intent, _score) in intents.items()}
