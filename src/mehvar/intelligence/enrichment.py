"""Enrichment: what the models find in each public message, stored with the model name and
version, and what it adds up to for the conversation.

Runs in background tasks, in batches: the models read many texts at once far faster than
one by one, and one task for many messages costs the write path one queue row instead of
one per message. `enrich_new` takes every message after the newest enriched one (queued by
the first new message in a second, and every five seconds); `sweep` looks further back for
any that were missed. A message already enriched is left as it is, so a retried or
concurrent task changes nothing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from mehvar.conversations.learning_selectors import (
    MessageText,
    message_ids_after,
    message_texts,
    message_texts_after,
)
from mehvar.intelligence.models import ConversationInsight, MessageInsight, ModelTask
from mehvar.intelligence.rollup import UNKNOWN_INTENT, conversations_refresh
from mehvar.intelligence.store import current_models
from mehvar.service_levels.services.late_routing import conversation_route_by_intent

SWEEP_WINDOW_IDS = 5_000   # the sweep looks at this many of the newest message ids
NEW_TAIL_IDS = 200         # enrich_new looks this far before the newest enriched message
BATCH = 2_000
RISK_REFRESH = 500  # conversations whose risk each sweep computes again


def messages_enrich(messages: Sequence[MessageText], *, now: datetime | None = None) -> int:
    """Enrich the messages not enriched yet and refresh their conversations' insight.
    Returns how many messages were enriched."""
    if not settings.MEHVAR_ENRICHMENT or not messages:
        return 0
    now = now or timezone.now()
    done = set(MessageInsight.objects.filter(message_id__in=[m.id for m in messages])
               .values_list("message_id", flat=True))
    todo = [message for message in messages if message.id not in done]
    if not todo:
        return 0
    models = current_models()
    results = models.analyzer.analyze([message.text for message in todo])
    threshold = settings.MEHVAR_INTENT_MIN_CONFIDENCE
    rows = []
    for message, found in zip(todo, results, strict=True):
        intent, intent_score = "", 0.0
        if message.from_customer and found.intent:
            intent = found.intent if found.intent_score >= threshold else UNKNOWN_INTENT
            intent_score = found.intent_score
        versions = {task: models.label(task, found.language)
                    for task, value in ((ModelTask.SENTIMENT, found.sentiment),
                                        (ModelTask.EMOTION, found.emotion),
                                        (ModelTask.INTENT, intent)) if value}
        rows.append(MessageInsight(
            message_id=message.id, conversation_id=message.conversation_id,
            from_customer=message.from_customer, created_at=message.created_at,
            language=found.language, language_confidence=round(found.language_confidence, 4),
            sentiment=found.sentiment, sentiment_score=round(found.sentiment_score, 4),
            emotion=found.emotion, emotion_score=round(found.emotion_score, 4),
            intent=intent, intent_score=round(intent_score, 4),
            model_versions=versions, analyzed_at=now))
    with transaction.atomic():
        MessageInsight.objects.bulk_create(rows, ignore_conflicts=True)
        intents = conversations_refresh({message.conversation_id for message in todo},
                                        now=now)
    # Rules that ask for an intent get their chance now that it is known (each conversation
    # in its own transaction: a routing failure must not undo the insights).
    for conversation_id, intent in intents.items():
        conversation_route_by_intent(conversation_id=conversation_id, intent=intent, at=now)
    return len(rows)


def enrich_new(*, now: datetime | None = None) -> int:
    """Enrich the messages newer than the newest enriched one (and a short tail before it,
    for ids committed out of order). A handful of small queries when there is nothing new."""
    if not settings.MEHVAR_ENRICHMENT:
        return 0
    newest = (MessageInsight.objects.order_by("-message_id")
              .values_list("message_id", flat=True).first()) or 0
    return _enrich_missing(after_id=max(0, newest - NEW_TAIL_IDS), now=now)


def sweep(*, now: datetime | None = None) -> int:
    """Enrich what was missed among the newest messages (a worker was down, a task was
    lost), and keep the risks current."""
    if not settings.MEHVAR_ENRICHMENT:
        return 0
    last = message_ids_after(after_id=0, limit=1, newest=True)
    if not last:
        return 0
    enriched = _enrich_missing(after_id=max(0, last[0] - SWEEP_WINDOW_IDS), now=now)
    risks_refresh(now=now or timezone.now())
    return enriched


def _enrich_missing(*, after_id: int, now: datetime | None) -> int:
    enriched = 0
    while True:
        ids = message_ids_after(after_id=after_id, limit=BATCH)
        if not ids:
            return enriched
        done = set(MessageInsight.objects.filter(message_id__in=ids)
                   .values_list("message_id", flat=True))
        missing = [pk for pk in ids if pk not in done]
        if missing:
            enriched += messages_enrich(message_texts(ids=missing), now=now)
        after_id = ids[-1]


def risks_refresh(*, now: datetime, limit: int = RISK_REFRESH) -> int:
    """A risk grows while the customer waits with no new message: the conversations with a
    risk, least recently refreshed first, are computed again (a solved one loses its risk)."""
    ids = list(ConversationInsight.objects.filter(risk__isnull=False).order_by("updated_at")
               .values_list("conversation_id", flat=True)[:limit])
    conversations_refresh(ids, now=now)
    return len(ids)


def backfill(*, after_id: int = 0, now: datetime | None = None,
             limit: int | None = None) -> int:
    """Enrich every public message after `after_id` that has no insight yet, a batch at a
    time (upgrades, imports and the demo)."""
    enriched = 0
    cursor = after_id
    while True:
        batch = message_texts_after(after_id=cursor, limit=BATCH)
        if not batch:
            return enriched
        enriched += messages_enrich(batch, now=now)
        cursor = batch[-1].id
        if limit is not None and enriched >= limit:
            return enriched
